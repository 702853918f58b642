package org.sparsa.core.compute;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.compute.internal.MixedBackend;
import org.sparsa.core.compute.internal.opencl.OpenClBackend;

/**
 * Opens the backend a run asks for, resolving {@code auto} and logging the choice: from this
 * machine's {@link Calibration} when there is one, per op family, else by
 * {@link BackendChoice#auto}'s rule.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /**
     * A backend of {@code kind}; {@code AUTO} resolves through this machine's calibration in
     * {@link Calibration#defaultFile()} when it has one, else {@link BackendChoice#auto}, and
     * the choice and its reason are logged.
     *
     * @throws IllegalStateException for {@code OPENCL}, or a calibration that chose it, when no
     *     OpenCL device can run the kernels, naming why
     */
    public static Backend open(BackendKind kind) {
        return open(kind, Calibration.defaultFile());
    }

    /** As {@link #open(BackendKind)}, with the calibration read from {@code calibrationFile}. */
    static Backend open(BackendKind kind, Path calibrationFile) {
        if (kind != BackendKind.AUTO) {
            return concrete(kind);
        }
        OpenClInventory inventory = OpenClProbe.probe();
        Optional<Calibration> calibration = calibration(calibrationFile, inventory);
        if (calibration.isPresent()) {
            return calibrated(calibration.get(), calibrationFile);
        }
        BackendChoice choice = BackendChoice.auto(inventory);
        LOG.info("backend auto -> {} ({}; `sparsa bench --calibrate` makes auto choose per op "
                + "from measurements)", choice.backend().name().toLowerCase(Locale.ROOT),
                choice.reason());
        return concrete(choice.backend());
    }

    /**
     * This machine's calibration in {@link Calibration#defaultFile()}, which {@code auto}
     * follows, if it has one; never throws (an unreadable file is logged and ignored).
     */
    public static Optional<Calibration> calibration(OpenClInventory inventory) {
        return calibration(Calibration.defaultFile(), inventory);
    }

    /** This machine's calibration in {@code file}, if it has one there; never throws. */
    static Optional<Calibration> calibration(Path file, OpenClInventory inventory) {
        try {
            Optional<Calibration> read = Calibration.read(file);
            String machine = Calibration.machineKey(inventory);
            if (read.isPresent() && !read.get().machine().equals(machine)) {
                LOG.info("calibration {} is of another machine ({}), not this one ({}); "
                        + "ignored", file, read.get().machine(), machine);
                return Optional.empty();
            }
            return read;
        } catch (IOException e) {
            LOG.warn("calibration ignored: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static Backend calibrated(Calibration calibration, Path file) {
        Map<String, BackendKind> choices = calibration.choices();
        LOG.info("backend auto -> {} (measured {}, {})", choices.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")), calibration.measured(), file);
        BackendKind matmul = choices.get(Calibration.MATMUL);
        BackendKind elementwise = choices.get(Calibration.ELEMENTWISE);
        BackendKind attention = choices.get(Calibration.ATTENTION);
        if (matmul == elementwise && elementwise == attention) {
            return concrete(matmul);
        }
        Backend forMatmul = concrete(matmul);
        Backend forOthers = elementwise == matmul ? forMatmul : concrete(elementwise);
        return new MixedBackend(forMatmul, forOthers, attention);
    }

    private static Backend concrete(BackendKind kind) {
        Backend backend = kind == BackendKind.OPENCL ? OpenClBackend.open() : new JavaBackend();
        LOG.debug("backend: {}", backend.description());
        return backend;
    }
}
