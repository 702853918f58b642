package org.sparsa.core.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.compute.DeviceInfo;

class CalibrationTest {
    private static final DeviceInfo CPU = new DeviceInfo("PoCL", "cpu0", "CPU", 1L << 30, 2);
    private static final DeviceInfo GPU = new DeviceInfo("NVIDIA CUDA", "H200", "GPU", 1L << 37,
            132);

    static Calibration calibration(String machine, double matmulOpenCl, double attentionOpenCl,
            double elementwiseOpenCl) {
        return new Calibration(machine, "2026-11-29T04:00:00Z", Map.of(
                Calibration.MATMUL, Map.of("java", 1.0, "opencl", matmulOpenCl),
                Calibration.ATTENTION, Map.of("java", 1.0, "opencl", attentionOpenCl),
                Calibration.ELEMENTWISE, Map.of("java", 1.0, "opencl", elementwiseOpenCl)));
    }

    @Test
    void eachOpFamilyGoesToItsFastestBackend() {
        Calibration calibration = calibration("m", 0.25, 4.0, 1.5);
        assertEquals(Map.of(Calibration.MATMUL, BackendKind.OPENCL, Calibration.ATTENTION,
                BackendKind.JAVA, Calibration.ELEMENTWISE, BackendKind.JAVA),
                calibration.choices());
        assertEquals(List.copyOf(Calibration.OPS), List.copyOf(calibration.choices().keySet()));
    }

    @Test
    void anOpMeasuredOnJavaAloneOrNotAtAllStaysOnJava() {
        Calibration javaOnly = new Calibration("m", "t", Map.of(Calibration.MATMUL,
                Map.of("java", 2.0)));
        assertEquals(BackendKind.JAVA, javaOnly.choice(Calibration.MATMUL));
        assertEquals(BackendKind.JAVA, javaOnly.choice(Calibration.ATTENTION));
    }

    @Test
    void theMachineKeyNamesTheDeviceTheOpenClBackendWouldUse() {
        String withGpu = Calibration.machineKey(new OpenClInventory(List.of(CPU, GPU),
                Optional.empty()));
        assertTrue(withGpu.endsWith("OpenCL: H200 (NVIDIA CUDA)"), withGpu);
        assertTrue(withGpu.contains(Runtime.getRuntime().availableProcessors() + " processors"),
                withGpu);
        assertTrue(Calibration.machineKey(new OpenClInventory(List.of(CPU), Optional.empty()))
                .endsWith("OpenCL: cpu0 (PoCL)"));
        assertTrue(Calibration.machineKey(new OpenClInventory(List.of(), Optional.of("none")))
                .endsWith("OpenCL: none"));
    }

    @Test
    void writesAndReadsBackTheSameCalibration(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("folder/calibration.json");
        assertEquals(Optional.empty(), Calibration.read(file), "no file, no calibration");
        Calibration calibration = calibration("m", 0.5, 2.0, 3.0);
        calibration.write(file);
        assertEquals(Optional.of(calibration), Calibration.read(file));
        assertTrue(Files.readString(file).contains("\"machine\" : \"m\""),
                "readable JSON: " + Files.readString(file));
    }

    @Test
    void aFileThatIsNotACalibrationIsNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("calibration.json");
        Files.writeString(file, "{\"seconds\": 3}");
        IOException e = assertThrows(IOException.class, () -> Calibration.read(file));
        assertTrue(e.getMessage().startsWith(file + ": not a calibration"), e.getMessage());
    }
}
