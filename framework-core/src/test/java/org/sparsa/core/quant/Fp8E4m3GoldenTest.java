package org.sparsa.core.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.quant.internal.Fp8E4m3GoldenOp;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenComparison;
import org.sparsa.core.verify.GoldenReport;
import org.sparsa.core.verify.TensorCheck;

/** The {@code quant.fp8_e4m3} golden case, computed independently in float64. */
class Fp8E4m3GoldenTest {

    @Test
    void matchesTheGoldenCase(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("fp8-e4m3.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/golden/fp8-e4m3.safetensors")) {
            Files.copy(in, file);
        }
        GoldenCase goldenCase = GoldenCase.read(file);
        assertEquals("quant.fp8_e4m3", goldenCase.op());
        List<TensorCheck> checks = GoldenComparison.compare(goldenCase,
                new Fp8E4m3GoldenOp().compute(goldenCase, BackendKind.JAVA));
        assertEquals(List.of("out.scale", "out.y"),
                checks.stream().map(TensorCheck::name).sorted().toList());
        assertTrue(GoldenComparison.allPassed(checks),
                () -> GoldenReport.format(goldenCase, "java", checks));
    }
}
