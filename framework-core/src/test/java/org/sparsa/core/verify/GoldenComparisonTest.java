package org.sparsa.core.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.core.safetensors.SafetensorsException;
import org.sparsa.core.safetensors.SafetensorsWriter;

class GoldenComparisonTest {
    private static final float INF = Float.NEGATIVE_INFINITY;

    @Test
    void floatsPassWithinAbsolutePlusRelativeTolerance() {
        float[] want = {1, -2, 0, INF};
        TensorCheck ok = GoldenComparison.compareFloats("out.o", want,
                new float[] {1.001f, -2.002f, 0.0001f, INF}, 1e-4, 1e-3);
        assertTrue(ok.passed(), ok.toString());
        assertEquals(0.002, ok.worstAbsolute(), 1e-6);

        TensorCheck off = GoldenComparison.compareFloats("out.o", want,
                new float[] {1.01f, -2, 0, INF}, 1e-4, 1e-3);
        assertFalse(off.passed());
        assertTrue(off.problem().contains("flat index 0"), off.problem());
        assertEquals(0.01, off.worstRelative(), 1e-6);
    }

    @Test
    void infinitiesMustMatchExactlyAndNanNeverPasses() {
        float[] want = {INF, 1};
        assertFalse(GoldenComparison.compareFloats("s", want, new float[] {-1e30f, 1}, 1, 1)
                .passed());
        TensorCheck nan = GoldenComparison.compareFloats("s", want,
                new float[] {INF, Float.NaN}, 1, 1);
        assertFalse(nan.passed());
        assertEquals(Double.POSITIVE_INFINITY, nan.worstAbsolute());
    }

    @Test
    void integersMustMatchExactlyAndMissingOutputsFail() {
        assertTrue(GoldenComparison.compareInts("out.sel", new int[] {0, -1},
                new int[] {0, -1}).passed());
        TensorCheck wrong = GoldenComparison.compareInts("out.sel", new int[] {0, -1},
                new int[] {0, 3});
        assertFalse(wrong.passed());
        assertEquals(4, wrong.worstAbsolute());
        assertEquals("not computed",
                GoldenComparison.compareInts("out.sel", new int[] {1}, null).problem());
        assertFalse(GoldenComparison.compareFloats("out.o", new float[] {1}, new float[2], 1, 1)
                .passed());
    }

    @Test
    void comparesEveryExpectedTensorOfACase(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("case.safetensors");
        new SafetensorsWriter()
                .add("in.x", new int[] {2}, new float[] {1, 2})
                .add("out.y", new int[] {2}, new float[] {2, 4})
                .add("out.idx", new int[] {2}, new int[] {1, 0})
                .metadata("format", GoldenCase.FORMAT).metadata("op", "test.double")
                .metadata("config", "{}").metadata("tolerance", "{\"atol\": 0, \"rtol\": 0}")
                .write(file);
        GoldenCase goldenCase = GoldenCase.read(file);
        List<TensorCheck> checks = GoldenComparison.compare(goldenCase,
                new GoldenOutputs().put("out.y", new float[] {2, 4}));
        assertEquals(List.of("out.y", "out.idx"), checks.stream().map(TensorCheck::name).toList());
        assertTrue(checks.get(0).passed());
        assertFalse(checks.get(1).passed());
        assertFalse(GoldenComparison.allPassed(checks));
        String report = GoldenReport.format(goldenCase, "java", checks);
        assertTrue(report.startsWith("case.safetensors  test.double  backend java"), report);
        assertTrue(report.contains("out.idx  abs NaN") && report.contains("FAIL  not computed"),
                report);
    }

    @Test
    void malformedMetadataIsReportedWithTheFileName(@TempDir Path folder) throws Exception {
        Path noFormat = folder.resolve("no-format.safetensors");
        new SafetensorsWriter().add("in.x", new int[] {1}, new float[] {1}).write(noFormat);
        SafetensorsException format = assertThrows(SafetensorsException.class,
                () -> GoldenCase.read(noFormat));
        assertEquals("no-format.safetensors: metadata format is 'null', expected '"
                + GoldenCase.FORMAT + "'", format.getMessage());

        Path badTolerance = folder.resolve("bad-tolerance.safetensors");
        new SafetensorsWriter().add("in.x", new int[] {1}, new float[] {1})
                .metadata("format", GoldenCase.FORMAT).metadata("op", "x")
                .metadata("config", "{}").metadata("tolerance", "{\"atol\": ")
                .write(badTolerance);
        SafetensorsException tolerance = assertThrows(SafetensorsException.class,
                () -> GoldenCase.read(badTolerance));
        assertTrue(tolerance.getMessage().startsWith("bad-tolerance.safetensors: metadata "
                + "'tolerance' is not valid JSON"), tolerance.getMessage());
    }
}
