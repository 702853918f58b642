package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.safetensors.SafetensorsWriter;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

class GoldenCasesTest {

    /** y = factor * x, so dy/dx applied to dout is factor * dout. */
    private record Scale(float factor) implements GoldenOp {
        @Override
        public Set<BackendKind> backends() {
            return EnumSet.of(BackendKind.JAVA);
        }

        @Override
        public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
            float[] x = goldenCase.floats("in.x");
            float[] dout = goldenCase.floats("dout.y");
            for (int i = 0; i < x.length; i++) {
                x[i] *= factor;
                dout[i] *= factor;
            }
            return new GoldenOutputs().put("out.y", x).put("grad.x", dout);
        }
    }

    private static Path writeCase(Path folder) throws Exception {
        Path file = folder.resolve("scale.safetensors");
        new SafetensorsWriter()
                .add("in.x", new int[] {3}, new float[] {1, -2, 0.5f})
                .add("dout.y", new int[] {3}, new float[] {1, 1, 2})
                .add("out.y", new int[] {3}, new float[] {2, -4, 1})
                .add("grad.x", new int[] {3}, new float[] {2, 2, 4})
                .metadata("format", GoldenCase.FORMAT).metadata("op", "test.scale")
                .metadata("config", "{}").metadata("tolerance", "{\"atol\": 1e-6, \"rtol\": 0}")
                .write(file);
        return file;
    }

    @Test
    void aCorrectOpPassesEveryOutputAndGradient(@TempDir Path folder) throws Exception {
        assertEquals(2, GoldenCases.assertPasses(writeCase(folder), "test.scale", new Scale(2),
                BackendKind.JAVA).size());
    }

    @Test
    void aWrongOpFailsWithTheReport(@TempDir Path folder) throws Exception {
        Path file = writeCase(folder);
        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> GoldenCases.assertPasses(file, "test.scale", new Scale(3), BackendKind.JAVA));
        assertTrue(failure.getMessage().contains("scale.safetensors  test.scale  backend java"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("grad.x  abs 2.000e+00"), failure.getMessage());
    }

    @Test
    void aCaseOfAnotherOpIsRefused(@TempDir Path folder) throws Exception {
        Path file = writeCase(folder);
        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> GoldenCases.assertPasses(file, "attention.full", new Scale(2),
                        BackendKind.JAVA));
        assertTrue(failure.getMessage().contains("checks op 'test.scale', not 'attention.full'"),
                failure.getMessage());
    }

    @Test
    void resourcesAreCopiedOrNamedWhenMissing(@TempDir Path folder) {
        assertThrows(IllegalArgumentException.class,
                () -> GoldenCases.copyResource(getClass(), "/golden/none.safetensors", folder));
    }
}
