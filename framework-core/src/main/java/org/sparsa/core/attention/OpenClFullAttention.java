package org.sparsa.core.attention;

import com.aparapi.Kernel;
import java.util.ArrayList;
import java.util.List;
import org.sparsa.core.attention.internal.opencl.ForwardKernel;
import org.sparsa.core.attention.internal.opencl.KeyValueGradientKernel;
import org.sparsa.core.attention.internal.opencl.QueryGradientKernel;
import org.sparsa.core.compute.opencl.Launcher;

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

    private final Launcher launcher;
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
        this.launcher = new Launcher(Launcher.firstDevice().orElseThrow(() ->
                new IllegalStateException("no OpenCL device: " + Launcher.unavailableReason())),
                GROUP, Integer.MAX_VALUE);
        // Aparapi crashes the JVM when it disposes a kernel that was built but never run, so
        // each kernel runs once on dummy data right after its build, and only kernels that
        // have run are ever disposed. The dummy run also makes the device finish compiling
        // for the work-group size (PoCL does that at the first launch).
        List<Kernel> ready = new ArrayList<>();
        try {
            launcher.build(forwardKernel);
            forwardKernel.bind(1, 1, 1, 1, 0, 1f, new float[1], new float[1], new float[1],
                    new float[1], new float[1]);
            launcher.launchPadded(forwardKernel, 1);
            ready.add(forwardKernel);
            launcher.build(queryGradientKernel);
            queryGradientKernel.bind(1, 1, 1, 1, 0, 1f, new float[1], new float[1],
                    new float[1], new float[1], new float[1], new float[1], new float[1]);
            launcher.launchPadded(queryGradientKernel, 1);
            ready.add(queryGradientKernel);
            launcher.build(keyValueGradientKernel);
            keyValueGradientKernel.bind(1, 1, 1, 1, 0, 1f, new float[1], new float[1],
                    new float[1], new float[1], new float[1], new float[1], new float[1],
                    new float[1]);
            launcher.launchPadded(keyValueGradientKernel, 1);
        } catch (RuntimeException e) {
            ready.forEach(Kernel::dispose);
            throw e;
        }
    }

    /** Whether an OpenCL device is present, that is whether the constructor can pick one. */
    public static boolean isAvailable() {
        return Launcher.firstDevice().isPresent();
    }

    /** The device the kernels run on, as Aparapi describes it. */
    public String deviceDescription() {
        return Launcher.describe(launcher.device());
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
        launcher.launchPadded(forwardKernel, spec.rowCount());
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
        launcher.launchPadded(queryGradientKernel, spec.rowCount());
        queryGradientKernel.get(dq);
        keyValueGradientKernel.bind(spec.length(), spec.queryHeads(), spec.kvHeads(),
                spec.headDim(), spec.window(), scale, q, k, v, dout, lse, delta, dk, dv);
        keyValueGradientKernel.put(q).put(k).put(v).put(dout).put(lse).put(delta);
        launcher.launchPadded(keyValueGradientKernel, spec.length() * spec.kvHeads());
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

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenClFullAttention is closed");
        }
    }
}
