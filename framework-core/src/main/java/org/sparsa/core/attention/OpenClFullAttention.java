package org.sparsa.core.attention;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.exception.CompileFailedException;
import com.aparapi.internal.kernel.KernelManager;
import com.aparapi.internal.opencl.OpenCLLoader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.sparsa.core.attention.internal.opencl.ForwardKernel;
import org.sparsa.core.attention.internal.opencl.KeyValueGradientKernel;
import org.sparsa.core.attention.internal.opencl.QueryGradientKernel;

/**
 * Full attention on an OpenCL device through Aparapi, with the contract of
 * {@link FlashAttention}: the same tensors in and out, float32, deterministic and free of
 * atomics. Three kernels do the work, one work item per output row each: the forward per
 * (query, head) with an online softmax, dq per (query, head), dk and dv per (key, kv head)
 * looping over the queries that see the key. The {@code dout . o} row terms the backward
 * subtracts are summed on the host in double, as {@link FlashAttention} does, and handed to
 * both gradient kernels.
 *
 * <p>An instance holds its three kernels for its whole life, so the OpenCL translation and
 * build (one to two seconds per kernel on PoCL with a cold cache, milliseconds once cached)
 * happen once, in the constructor, which also runs each kernel once on dummy data; calls then
 * cost the transfers and the run. Buffers are explicit: each call puts its inputs and gets
 * its outputs, nothing else moves. Close the instance to free the device resources.
 *
 * <p>Aparapi quietly runs a kernel on a Java thread pool when OpenCL cannot take it. This class
 * never does: a kernel that cannot be built for the device fails the constructor, and a call
 * whose kernel did not run on the device throws, so a result from here has really been
 * computed by OpenCL. The device is the first OpenCL GPU, else the first OpenCL device of any
 * type (a CPU through PoCL, say). Aparapi keeps device preferences per kernel class, so every
 * instance in a JVM uses that same device.
 *
 * <p>Calls on one instance are serialised; instances share Aparapi's per-class state (device
 * preferences, profiles), so prefer one instance per JVM over several used at once. Results are bit-identical from run to run on the
 * same device; they differ from {@link FlashAttention}'s in the last bits, since the sums run
 * in a different order and the softmax denominator is float here.
 */
public final class OpenClFullAttention implements AutoCloseable {
    private static final String APARAPI_LOGGER = "com.aparapi";
    /** Work-group size; the range is padded to a multiple and the kernels skip the padding. */
    private static final int GROUP = 64;

    private final OpenCLDevice device;
    private final int groupSize;
    private final ForwardKernel forwardKernel = new ForwardKernel();
    private final QueryGradientKernel queryGradientKernel = new QueryGradientKernel();
    private final KeyValueGradientKernel keyValueGradientKernel = new KeyValueGradientKernel();
    private boolean closed;

    /**
     * Picks the device and builds the three kernels for it.
     *
     * @throws IllegalStateException when there is no OpenCL device, or a kernel cannot be
     *     translated to OpenCL or built for the device (the message says why)
     */
    public OpenClFullAttention() {
        this.device = firstDevice().orElseThrow(() -> new IllegalStateException(
                "no OpenCL device: " + unavailableReason()));
        this.groupSize = Math.max(1, Math.min(GROUP, Math.min(device.getMaxWorkGroupSize(),
                device.getMaxWorkItemSize()[0])));
        // Aparapi crashes the JVM when it disposes a kernel that was built but never run, so
        // each kernel runs once on dummy data right after its build, and only kernels that
        // have run are ever disposed. The dummy run also makes the device finish compiling
        // for the work-group size (PoCL does that at the first launch).
        List<Kernel> ready = new ArrayList<>();
        try {
            build(forwardKernel, device);
            forwardKernel.bind(1, 1, 1, 1, 0, 1f, new float[1], new float[1], new float[1],
                    new float[1], new float[1]);
            execute(forwardKernel, device, 1, groupSize);
            ready.add(forwardKernel);
            build(queryGradientKernel, device);
            queryGradientKernel.bind(1, 1, 1, 1, 0, 1f, new float[1], new float[1],
                    new float[1], new float[1], new float[1], new float[1], new float[1]);
            execute(queryGradientKernel, device, 1, groupSize);
            ready.add(queryGradientKernel);
            build(keyValueGradientKernel, device);
            keyValueGradientKernel.bind(1, 1, 1, 1, 0, 1f, new float[1], new float[1],
                    new float[1], new float[1], new float[1], new float[1], new float[1],
                    new float[1]);
            execute(keyValueGradientKernel, device, 1, groupSize);
        } catch (RuntimeException e) {
            ready.forEach(Kernel::dispose);
            throw e;
        }
    }

    /** Whether an OpenCL device is present, that is whether the constructor can pick one. */
    public static boolean isAvailable() {
        return firstDevice().isPresent();
    }

    /** The device the kernels run on, as Aparapi describes it. */
    public String deviceDescription() {
        return describe(device);
    }

    /**
     * The attention output and per-row log-sum-exp, as {@link FlashAttention#forward}.
     *
     * @throws IllegalArgumentException when an array's length does not fit {@code spec}
     * @throws IllegalStateException when closed, or when the kernel did not run on the device
     */
    public synchronized FlashAttention.Result forward(FullAttentionSpec spec, float[] q,
            float[] k, float[] v) {
        spec.requireInputs(q.length, k.length, v.length);
        requireOpen();
        float[] o = new float[spec.querySize()];
        float[] lse = new float[spec.rowCount()];
        forwardKernel.bind(spec.length(), spec.queryHeads(), spec.kvHeads(), spec.headDim(),
                spec.window(), (float) spec.scale(), q, k, v, o, lse);
        forwardKernel.put(q).put(k).put(v);
        execute(forwardKernel, device, spec.rowCount(), groupSize);
        forwardKernel.get(o).get(lse);
        return new FlashAttention.Result(o, lse);
    }

    /**
     * The gradients of {@code sum(o * dout)} with respect to q, k and v, as
     * {@link FlashAttention#backward}.
     *
     * @param o the forward's output
     * @param lse the forward's log-sum-exp
     * @param dout the upstream gradient, {@code [T, Hq, D]}
     * @throws IllegalArgumentException when an array's length does not fit {@code spec}
     * @throws IllegalStateException when closed, or when a kernel did not run on the device
     */
    public synchronized FlashAttention.Gradients backward(FullAttentionSpec spec, float[] q,
            float[] k, float[] v, float[] o, float[] lse, float[] dout) {
        spec.requireInputs(q.length, k.length, v.length);
        spec.requireQueryShaped("o", o.length);
        spec.requireRowShaped("lse", lse.length);
        spec.requireQueryShaped("dout", dout.length);
        requireOpen();
        float[] delta = FlashAttention.rowDots(spec, dout, o);
        float[] dq = new float[spec.querySize()];
        float[] dk = new float[spec.kvSize()];
        float[] dv = new float[spec.kvSize()];
        float scale = (float) spec.scale();
        queryGradientKernel.bind(spec.length(), spec.queryHeads(), spec.kvHeads(),
                spec.headDim(), spec.window(), scale, q, k, v, dout, lse, delta, dq);
        queryGradientKernel.put(q).put(k).put(v).put(dout).put(lse).put(delta);
        execute(queryGradientKernel, device, spec.rowCount(), groupSize);
        queryGradientKernel.get(dq);
        keyValueGradientKernel.bind(spec.length(), spec.queryHeads(), spec.kvHeads(),
                spec.headDim(), spec.window(), scale, q, k, v, dout, lse, delta, dk, dv);
        keyValueGradientKernel.put(q).put(k).put(v).put(dout).put(lse).put(delta);
        execute(keyValueGradientKernel, device, spec.length() * spec.kvHeads(),
                groupSize);
        keyValueGradientKernel.get(dk).get(dv);
        return new FlashAttention.Gradients(dq, dk, dv);
    }

    /** Frees the kernels' device resources; later calls throw. Closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            forwardKernel.dispose();
            queryGradientKernel.dispose();
            keyValueGradientKernel.dispose();
        }
    }

    /**
     * Translates {@code kernel} to OpenCL and builds it for {@code device} now, so that the
     * first call does not pay for it and a kernel OpenCL cannot take fails here, with Aparapi's
     * reason, instead of later running on Java threads. Also makes {@code device} the only
     * device Aparapi prefers for the kernel's class.
     *
     * @throws IllegalStateException when the kernel cannot be translated or built
     */
    static void build(Kernel kernel, OpenCLDevice device) {
        kernel.setExplicit(true);
        // Only this device: if it fails at run time, Aparapi's next choice is its Java thread
        // pool, which execute() detects, rather than another OpenCL device.
        KernelManager.instance().setPreferredDevices(kernel,
                new LinkedHashSet<>(List.of(device)));
        try (AparapiWarnings warnings = new AparapiWarnings()) {
            try {
                kernel.compile(device);
            } catch (CompileFailedException e) {
                throw new IllegalStateException("cannot build "
                        + kernel.getClass().getSimpleName() + " for OpenCL device "
                        + describe(device) + ": " + causes(e)
                        + (warnings.messages().isEmpty() ? ""
                                : " (Aparapi: " + String.join("; ", warnings.messages()) + ")"),
                        e);
            }
        }
    }

    /**
     * Executes {@code kernel} over {@code items} work items, padded to whole groups of
     * {@code group}, and throws unless it ran on {@code device}.
     *
     * @throws IllegalStateException when Aparapi ran the kernel anywhere but on the device
     */
    static void execute(Kernel kernel, OpenCLDevice device, int items, int group) {
        int padded = (items + group - 1) / group * group;
        List<String> warnings;
        try (AparapiWarnings capture = new AparapiWarnings()) {
            // No device in the range: Aparapi takes the class's preferred devices (only this
            // one, see build) and after a failure falls back once to Java, where a range bound
            // to the device would make it retry the device.
            kernel.execute(Range.create(padded, group));
            warnings = capture.messages();
        }
        // The target is the first device still preferred; a failure removes the device.
        Device target = kernel.getTargetDevice();
        if (!device.equals(target)) {
            throw new IllegalStateException(kernel.getClass().getSimpleName()
                    + " did not run on OpenCL device " + describe(device)
                    + ": Aparapi fell back to "
                    + (target == null ? "its Java thread pool" : target.getShortDescription())
                    + (warnings.isEmpty() ? " (its log, '" + APARAPI_LOGGER + "', says why)"
                            : ": " + String.join("; ", warnings)));
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenClFullAttention is closed");
        }
    }

    private static String describe(OpenCLDevice device) {
        return device.getShortDescription() + " '" + device.getName() + "'";
    }

    /** The first OpenCL GPU, else the first OpenCL device; empty without OpenCL. */
    static Optional<OpenCLDevice> firstDevice() {
        try {
            if (!OpenCLLoader.isOpenCLAvailable()) {
                return Optional.empty();
            }
            List<OpenCLDevice> all = OpenCLDevice.listDevices(null);
            return all.stream().filter(d -> d.getType() == Device.TYPE.GPU).findFirst()
                    .or(() -> all.stream().findFirst());
        } catch (LinkageError | RuntimeException e) {
            // No OpenCL runtime, or Aparapi's native library would not load.
            return Optional.empty();
        }
    }

    private static String unavailableReason() {
        try {
            return OpenCLLoader.isOpenCLAvailable() ? "the OpenCL runtime reports no device"
                    : "Aparapi could not load OpenCL (is an ICD such as pocl-opencl-icd "
                            + "installed?)";
        } catch (LinkageError | RuntimeException e) {
            return "Aparapi could not load OpenCL: " + e;
        }
    }

    /** The messages of {@code e} and its causes, each once. */
    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            String message = c.getMessage() == null ? c.getClass().getName() : c.getMessage();
            if (text.indexOf(message) < 0) {
                text.append(text.length() > 0 ? " <- " : "").append(message);
            }
        }
        return text.toString();
    }


    /**
     * Collects the warnings Aparapi logs while it is open (those its logger lets through), to
     * name the reason when a kernel falls back. Aparapi logs through java.util.logging.
     */
    private static final class AparapiWarnings extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger(APARAPI_LOGGER);
        private final List<String> messages = new ArrayList<>();

        AparapiWarnings() {
            setLevel(Level.WARNING);
            logger.addHandler(this);
        }

        synchronized List<String> messages() {
            return List.copyOf(messages);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            if (isLoggable(record) && messages.size() < 10) {
                String message = record.getMessage();
                if (record.getThrown() != null) {
                    message = message + " (" + record.getThrown() + ")";
                }
                messages.add(message);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
