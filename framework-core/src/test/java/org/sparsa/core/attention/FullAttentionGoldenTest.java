package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.attention.internal.FullAttentionGoldenOp;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenComparison;
import org.sparsa.core.verify.GoldenOutputs;
import org.sparsa.core.verify.GoldenReport;
import org.sparsa.core.verify.TensorCheck;

/** The {@code attention.full} golden cases, through the registered op and through the reference. */
class FullAttentionGoldenTest {
    private static final List<String> EXPECTED = List.of("grad.k", "grad.q", "grad.v", "out.o");

    @ParameterizedTest
    @ValueSource(strings = {"full-gqa.safetensors", "full-window.safetensors"})
    void theGoldenOpMatches(String name, @TempDir Path folder) throws Exception {
        GoldenCase goldenCase = GoldenFiles.read(name, folder);
        assertEquals("attention.full", goldenCase.op());
        List<TensorCheck> checks = GoldenComparison.compare(goldenCase,
                new FullAttentionGoldenOp().compute(goldenCase, BackendKind.JAVA));
        assertEquals(EXPECTED, checks.stream().map(TensorCheck::name).sorted().toList());
        assertTrue(GoldenComparison.allPassed(checks),
                () -> GoldenReport.format(goldenCase, "java", checks));
    }

    @ParameterizedTest
    @ValueSource(strings = {"full-gqa.safetensors", "full-window.safetensors"})
    void theReferenceMatches(String name, @TempDir Path folder) throws Exception {
        GoldenCase goldenCase = GoldenFiles.read(name, folder);
        int[] q = goldenCase.shape("in.q");
        int[] k = goldenCase.shape("in.k");
        FullAttentionSpec spec = new FullAttentionSpec(q[0], q[1], k[1], q[2],
                (Integer) goldenCase.config().get("window"));
        double[] qs = AttentionTensors.widen(goldenCase.floats("in.q"));
        double[] ks = AttentionTensors.widen(goldenCase.floats("in.k"));
        double[] vs = AttentionTensors.widen(goldenCase.floats("in.v"));
        double[] o = FullAttentionReference.forward(spec, qs, ks, vs);
        FullAttentionReference.Gradients gradients = FullAttentionReference.backward(spec, qs,
                ks, vs, AttentionTensors.widen(goldenCase.floats("dout.o")));
        GoldenOutputs outputs = new GoldenOutputs()
                .put("out.o", AttentionTensors.narrow(o))
                .put("grad.q", AttentionTensors.narrow(gradients.dq()))
                .put("grad.k", AttentionTensors.narrow(gradients.dk()))
                .put("grad.v", AttentionTensors.narrow(gradients.dv()));
        List<TensorCheck> checks = GoldenComparison.compare(goldenCase, outputs);
        assertEquals(EXPECTED, checks.stream().map(TensorCheck::name).sorted().toList());
        assertTrue(GoldenComparison.allPassed(checks),
                () -> GoldenReport.format(goldenCase, "reference", checks));
    }
}
