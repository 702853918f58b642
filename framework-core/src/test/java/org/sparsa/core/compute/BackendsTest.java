package org.sparsa.core.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.internal.JavaBackend;

class BackendsTest {

    @Test
    void javaIsAlwaysThere() {
        try (Backend backend = Backends.open(BackendKind.JAVA)) {
            assertEquals(BackendKind.JAVA, backend.kind());
            assertTrue(backend.description().startsWith("java"), backend.description());
        }
    }

    @Test
    void autoWithoutACalibrationOpensWhatTheRuleNames(@TempDir Path dir) {
        BackendKind expected = BackendChoice.auto(OpenClProbe.probe()).backend();
        try (Backend backend = Backends.open(BackendKind.AUTO, dir.resolve("none.json"))) {
            assertEquals(expected, backend.kind());
        }
    }

    @Test
    void autoFollowsThisMachinesCalibrationPerOpFamily(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("calibration.json");
        String machine = Calibration.machineKey(OpenClProbe.probe());
        // Matrix products and other ops on Java, attention on OpenCL: no OpenCL backend is
        // opened, since fused attention picks its kernels by the kind alone.
        CalibrationTest.calibration(machine, 2.0, 0.5, 2.0).write(file);
        try (Backend backend = Backends.open(BackendKind.AUTO, file)) {
            assertEquals(BackendKind.OPENCL, backend.kind());
            assertTrue(backend.description().startsWith("mixed: matmul on java"),
                    backend.description());
        }
        CalibrationTest.calibration(machine, 2.0, 3.0, 4.0).write(file);
        try (Backend backend = Backends.open(BackendKind.AUTO, file)) {
            assertEquals(BackendKind.JAVA, backend.kind());
            assertTrue(backend.description().startsWith("java"), "one backend for every op");
        }
    }

    @Test
    void anotherMachinesOrAnUnreadableCalibrationIsIgnored(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("calibration.json");
        OpenClInventory inventory = OpenClProbe.probe();
        CalibrationTest.calibration("another machine", 0.1, 0.1, 0.1).write(file);
        assertEquals(java.util.Optional.empty(), Backends.calibration(file, inventory));
        Files.writeString(file, "not json");
        assertEquals(java.util.Optional.empty(), Backends.calibration(file, inventory));
        BackendKind expected = BackendChoice.auto(inventory).backend();
        try (Backend backend = Backends.open(BackendKind.AUTO, file)) {
            assertEquals(expected, backend.kind(), "the rule, as without a calibration");
        }
    }

    @Test
    void matrixProductsOnOpenClAndTheRestOnJavaAgreeWithJava(@TempDir Path dir)
            throws IOException {
        OpenClInventory inventory = OpenClProbe.probe();
        assumeFalse(inventory.devices().isEmpty(), "needs an OpenCL device: "
                + inventory.problem().orElse(""));
        Path file = dir.resolve("calibration.json");
        CalibrationTest.calibration(Calibration.machineKey(inventory), 0.5, 2.0, 2.0)
                .write(file);
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {1, 0, -1, 2, 0.5f, 1};
        MatmulShape shape = MatmulShape.of(2, 2, 3);
        float[] expected = new float[4];
        new JavaBackend().matmul(shape, a, b, expected);
        float[] x = {-1, 0, 2};
        float[] javaExp = new float[3];
        new JavaBackend().map(UnaryFunction.EXP, x, javaExp);
        try (Backend backend = Backends.open(BackendKind.AUTO, file)) {
            assertEquals(BackendKind.JAVA, backend.kind());
            assertTrue(backend.description().contains("matmul on opencl"),
                    backend.description());
            float[] c = new float[4];
            backend.matmul(shape, a, b, c);
            assertArrayEquals(expected, c, 1e-5f);
            float[] y = new float[3];
            backend.map(UnaryFunction.EXP, x, y);
            assertArrayEquals(javaExp, y, 0f, "element-wise ops stay on Java, bit for bit");
        }
    }
}
