package org.sparsa.core.compute;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.compute.internal.opencl.OpenClBackend;

/** Opens the backend a run asks for, resolving {@code auto} and logging the choice. */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /**
     * A backend of {@code kind}; {@code AUTO} resolves through {@link BackendChoice#auto} and the
     * choice and its reason are logged.
     *
     * @throws IllegalStateException for {@code OPENCL} when no OpenCL device can run the kernels,
     *     naming why
     */
    public static Backend open(BackendKind kind) {
        BackendKind resolved = kind;
        if (kind == BackendKind.AUTO) {
            BackendChoice choice = BackendChoice.auto(OpenClProbe.probe());
            LOG.info("backend auto -> {} ({})", choice.backend().name().toLowerCase(),
                    choice.reason());
            resolved = choice.backend();
        }
        Backend backend = resolved == BackendKind.OPENCL ? OpenClBackend.open() : new JavaBackend();
        LOG.debug("backend: {}", backend.description());
        return backend;
    }
}
