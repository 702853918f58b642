package org.sparsa.core.compute;

import org.sparsa.api.compute.BackendKind;

/**
 * The backend {@code auto} resolves to, and why.
 *
 * @param backend {@link BackendKind#OPENCL} or {@link BackendKind#JAVA}
 * @param reason one line for logs and {@code sparsa doctor}
 */
public record BackendChoice(BackendKind backend, String reason) {

    /**
     * What {@code auto} picks on a machine with {@code inventory}: an OpenCL GPU when there is
     * one; otherwise the Java backend, since on a CPU the multi-threaded Java loops avoid
     * OpenCL's transfer and compile costs.
     */
    public static BackendChoice auto(OpenClInventory inventory) {
        return inventory.firstGpu()
                .map(gpu -> new BackendChoice(BackendKind.OPENCL,
                        "OpenCL GPU '" + gpu.name() + "' on " + gpu.platform()))
                .orElseGet(() -> new BackendChoice(BackendKind.JAVA, inventory.devices().isEmpty()
                        ? "no OpenCL device" : "no OpenCL GPU (CPU devices only)"));
    }
}
