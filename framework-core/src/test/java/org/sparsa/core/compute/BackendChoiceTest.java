package org.sparsa.core.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.compute.DeviceInfo;

class BackendChoiceTest {
    private static final DeviceInfo CPU = new DeviceInfo("PoCL", "cpu0", "CPU", 1L << 30, 2);
    private static final DeviceInfo GPU = new DeviceInfo("NVIDIA CUDA", "H200", "GPU", 1L << 37, 132);

    @Test
    void autoPicksAnOpenClGpuWhenThereIsOne() {
        BackendChoice choice = BackendChoice.auto(new OpenClInventory(List.of(CPU, GPU),
                Optional.empty()));
        assertEquals(BackendKind.OPENCL, choice.backend());
        assertTrue(choice.reason().contains("H200"), choice.reason());
    }

    @Test
    void autoPicksJavaWithoutAGpu() {
        assertEquals(BackendKind.JAVA, BackendChoice.auto(new OpenClInventory(List.of(CPU),
                Optional.empty())).backend());
        BackendChoice none = BackendChoice.auto(new OpenClInventory(List.of(),
                Optional.of("no OpenCL runtime")));
        assertEquals(BackendKind.JAVA, none.backend());
        assertEquals("no OpenCL device", none.reason());
    }

    @Test
    void probeListsDevicesOrSaysWhyNot() {
        OpenClInventory inventory = OpenClProbe.probe();
        assertEquals(inventory.devices().isEmpty(), inventory.problem().isPresent(),
                inventory::toString);
        if ("true".equals(System.getenv("CI"))) {
            // CI installs PoCL, so a real OpenCL CPU device must be there.
            assertFalse(inventory.devices().isEmpty(), inventory::toString);
        }
    }
}
