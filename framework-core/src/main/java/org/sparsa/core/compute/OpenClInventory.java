package org.sparsa.core.compute;

import java.util.List;
import java.util.Optional;
import org.sparsa.api.compute.DeviceInfo;

/**
 * The OpenCL devices found on this machine, or why none could be listed.
 *
 * @param devices every device of every platform, in platform order
 * @param problem why OpenCL could not be queried (no runtime, no native library), if so
 */
public record OpenClInventory(List<DeviceInfo> devices, Optional<String> problem) {
    public OpenClInventory {
        devices = List.copyOf(devices);
    }

    /** The first GPU, if any. */
    public Optional<DeviceInfo> firstGpu() {
        return devices.stream().filter(DeviceInfo::isGpu).findFirst();
    }
}
