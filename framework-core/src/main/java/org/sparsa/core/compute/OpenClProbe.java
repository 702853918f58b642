package org.sparsa.core.compute;

import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLLoader;
import com.aparapi.internal.opencl.OpenCLPlatform;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sparsa.api.compute.DeviceInfo;

/** Lists the OpenCL platforms and devices Aparapi sees. */
public final class OpenClProbe {

    private OpenClProbe() {
    }

    /**
     * Queries OpenCL afresh. Never throws: a machine without an OpenCL runtime, or where
     * Aparapi's native library cannot load, gives an empty inventory that says why.
     */
    public static OpenClInventory probe() {
        try {
            if (!OpenCLLoader.isOpenCLAvailable()) {
                return new OpenClInventory(List.of(), Optional.of(
                        "no OpenCL runtime: Aparapi could not load OpenCL (is an ICD such as "
                                + "pocl-opencl-icd installed?)"));
            }
            List<DeviceInfo> devices = new ArrayList<>();
            for (OpenCLPlatform platform : OpenCLPlatform.getUncachedOpenCLPlatforms()) {
                for (OpenCLDevice device : platform.getOpenCLDevices()) {
                    devices.add(new DeviceInfo(platform.getName(), device.getName(),
                            typeName(device), device.getGlobalMemSize(),
                            device.getMaxComputeUnits()));
                }
            }
            return new OpenClInventory(devices, devices.isEmpty()
                    ? Optional.of("the OpenCL runtime reports no device")
                    : Optional.empty());
        } catch (LinkageError | RuntimeException e) {
            // UnsatisfiedLinkError and friends: OpenCL is simply unavailable here.
            return new OpenClInventory(List.of(), Optional.of("OpenCL query failed: " + e));
        }
    }

    private static String typeName(OpenCLDevice device) {
        return switch (device.getType()) {
            case GPU -> "GPU";
            case CPU -> "CPU";
            case ACC -> "ACCELERATOR";
            default -> device.getType().name();
        };
    }
}
