package org.sparsa.core.compute.opencl;

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

/**
 * Builds Aparapi kernels for one OpenCL device and launches them there, never anywhere
 * else: Aparapi quietly runs a kernel on its Java thread pool when OpenCL cannot take it, and
 * every launch here checks that it did not.
 *
 * <p>One-dimensional launches are padded to whole work groups (the kernels skip the padding)
 * and split into pieces of at most {@link #maxItems()} work items, each piece told where it
 * starts through {@link RangeKernel#offset}, so that no range size overflows an int. Core's
 * backend, its fused OpenCL kernels (full attention) and plugins' own fused kernels launch
 * through it.
 */
public final class Launcher {
    private static final String APARAPI_LOGGER = "com.aparapi";

    private final OpenCLDevice device;
    private final int groupSize;
    private final int maxItems;

    /**
     * @param group the wanted one-dimensional work-group size, lowered to what the device takes
     * @param maxItems the most work items one launch may have (rounded down to whole groups)
     */
    public Launcher(OpenCLDevice device, int group, int maxItems) {
        this.device = device;
        this.groupSize = Math.max(1, Math.min(group, Math.min(device.getMaxWorkGroupSize(),
                device.getMaxWorkItemSize()[0])));
        this.maxItems = Math.max(groupSize, maxItems / groupSize * groupSize);
    }

    public OpenCLDevice device() {
        return device;
    }

    public int groupSize() {
        return groupSize;
    }

    public int maxItems() {
        return maxItems;
    }

    /**
     * The largest square tile, a power of two up to {@code 16}, whose work group the device
     * takes in its first two dimensions.
     */
    public int matmulTile() {
        int[] items = device.getMaxWorkItemSize();
        int tile = 16;
        while (tile > 1 && (tile * tile > device.getMaxWorkGroupSize() || tile > items[0]
                || items.length < 2 || tile > items[1])) {
            tile /= 2;
        }
        return tile;
    }

    /**
     * Translates {@code kernel} to OpenCL and builds it for the device now, so that a kernel
     * OpenCL cannot take fails here, with Aparapi's reason, instead of later running on Java
     * threads. Also makes the device the only one Aparapi prefers for the kernel's class.
     *
     * @throws IllegalStateException when the kernel cannot be translated or built
     */
    public void build(Kernel kernel) {
        kernel.setExplicit(true);
        // Only this device: if it fails at run time, Aparapi's next choice is its Java thread
        // pool, which the launches detect, rather than another OpenCL device.
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
     * Runs {@code kernel} over work items {@code 0 .. items - 1}, in as many launches as
     * {@link #maxItems()} requires. Does nothing for no items.
     *
     * @throws IllegalStateException when Aparapi ran the kernel anywhere but on the device
     */
    public <K extends Kernel & RangeKernel> void run(K kernel, int items) {
        for (int start = 0; start < items; start += Math.min(maxItems, items - start)) {
            int count = Math.min(maxItems, items - start);
            kernel.offset(start);
            launch(kernel, Range.create((count + groupSize - 1) / groupSize * groupSize,
                    groupSize));
        }
    }

    /**
     * Runs {@code kernel} in one launch over {@code items} work items padded to whole work
     * groups (the kernel skips the padding).
     *
     * @throws IllegalStateException when Aparapi ran the kernel anywhere but on the device
     */
    public void launchPadded(Kernel kernel, int items) {
        launch(kernel, Range.create((items + groupSize - 1) / groupSize * groupSize, groupSize));
    }

    /**
     * Executes {@code kernel} over {@code range} and throws unless it ran on the device.
     *
     * @throws IllegalStateException when the range is not one the device takes, or Aparapi ran
     *     the kernel anywhere but on the device
     */
    public void launch(Kernel kernel, Range range) {
        if (!range.isValid()) {
            throw new IllegalStateException(kernel.getClass().getSimpleName()
                    + ": the device does not take the range " + range);
        }
        List<String> warnings;
        try (AparapiWarnings capture = new AparapiWarnings()) {
            // No device in the range: Aparapi takes the class's preferred devices (only this
            // one, see build) and after a failure falls back once to Java, where a range bound
            // to the device would make it retry the device.
            kernel.execute(range);
            warnings = capture.messages();
        }
        // It has run, so it may be disposed when its bundle revision is discarded.
        KernelCaches.ran(kernel);
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

    public static String describe(OpenCLDevice device) {
        return device.getShortDescription() + " '" + device.getName() + "'";
    }

    /** The first OpenCL GPU, else the first OpenCL device; empty without OpenCL. */
    public static Optional<OpenCLDevice> firstDevice() {
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

    /** Why {@link #firstDevice()} is empty. */
    public static String unavailableReason() {
        try {
            return OpenCLLoader.isOpenCLAvailable() ? "the OpenCL runtime reports no device"
                    : "Aparapi could not load OpenCL (is an ICD such as pocl-opencl-icd "
                            + "installed?)";
        } catch (LinkageError | RuntimeException e) {
            return "Aparapi could not load OpenCL: " + e;
        }
    }

    /** The messages of {@code e} and its causes, each once. */
    public static String causes(Throwable e) {
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
