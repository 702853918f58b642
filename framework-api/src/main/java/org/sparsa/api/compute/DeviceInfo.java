package org.sparsa.api.compute;

/**
 * An OpenCL device as the framework sees it.
 *
 * @param platform the OpenCL platform's name ({@code Portable Computing Language})
 * @param name the device's name
 * @param type {@code GPU}, {@code CPU} or {@code ACCELERATOR}
 * @param globalMemoryBytes global memory in bytes
 * @param computeUnits parallel compute units
 */
public record DeviceInfo(String platform, String name, String type, long globalMemoryBytes,
        int computeUnits) {

    /** Whether the device is a GPU. */
    public boolean isGpu() {
        return "GPU".equals(type);
    }
}
