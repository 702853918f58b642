package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.attention.internal.FullAttentionGoldenOp;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenComparison;
import org.sparsa.core.verify.GoldenReport;
import org.sparsa.core.verify.TensorCheck;

/**
 * The OpenCL kernels against the golden cases and against {@link FlashAttention} (their
 * refusal to fall back to Java is the launcher's, tested with the backend). Skipped without an OpenCL device, except under {@code CI=true},
 * where PoCL is installed and a missing device is a failure. One instance serves the class, so
 * the kernels are built once.
 */
class OpenClFullAttentionTest {
    private static final double TOLERANCE = 1e-4;
    private static OpenClFullAttention attention;

    @BeforeAll
    static void openTheDevice() {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(OpenClFullAttention.isAvailable(),
                    "CI=true but no OpenCL device: the OpenCL path must be exercised in CI");
        } else {
            assumeTrue(OpenClFullAttention.isAvailable(), "no OpenCL device");
        }
        attention = new OpenClFullAttention();
    }

    @AfterAll
    static void closeTheDevice() {
        if (attention != null) {
            attention.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"full-gqa.safetensors", "full-window.safetensors"})
    void theGoldenCasesPass(String name, @TempDir Path folder) throws Exception {
        GoldenCase goldenCase = GoldenFiles.read(name, folder);
        FullAttentionGoldenOp op = new FullAttentionGoldenOp();
        assertEquals(EnumSet.of(BackendKind.JAVA, BackendKind.OPENCL), op.backends());
        List<TensorCheck> checks = GoldenComparison.compare(goldenCase,
                op.compute(goldenCase, BackendKind.OPENCL));
        assertEquals(List.of("grad.k", "grad.q", "grad.v", "out.o"),
                checks.stream().map(TensorCheck::name).sorted().toList());
        assertTrue(GoldenComparison.allPassed(checks),
                () -> GoldenReport.format(goldenCase, "opencl", checks));
    }

    @ParameterizedTest(name = "T={0} Hq={1} Hkv={2} D={3} window={4}")
    @CsvSource({
        "1, 4, 2, 16, 0",
        "1, 4, 1, 8, 5",
        "37, 4, 2, 16, 0",
        "37, 4, 1, 32, 5",
        "130, 4, 2, 16, 0",
        "130, 4, 1, 8, 5",
        "130, 2, 2, 64, 0",
        "130, 4, 2, 16, 5",
    })
    void agreesWithFlashAttention(int length, int queryHeads, int kvHeads, int headDim,
            int window) {
        FullAttentionSpec spec = new FullAttentionSpec(length, queryHeads, kvHeads, headDim,
                window);
        SplittableRandom random = new SplittableRandom(length * 131L + queryHeads * 7L + window);
        // A wide spread of q makes some rows peaked, which exercises the running-max rescale.
        float[] q = AttentionTensors.gaussian(random, spec.querySize(), 2.0);
        float[] k = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
        float[] v = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
        float[] dout = AttentionTensors.gaussian(random, spec.querySize(), 1.0);

        FlashAttention.Result want = FlashAttention.forward(spec, q, k, v);
        FlashAttention.Gradients wantGradients = FlashAttention.backward(spec, q, k, v,
                want.o(), want.lse(), dout);
        FlashAttention.Result got = attention.forward(spec, q, k, v);
        // Each backward gets its own forward's o and lse, as in training.
        FlashAttention.Gradients gotGradients = attention.backward(spec, q, k, v, got.o(),
                got.lse(), dout);

        close("o", want.o(), got.o());
        close("lse", want.lse(), got.lse());
        close("dq", wantGradients.dq(), gotGradients.dq());
        close("dk", wantGradients.dk(), gotGradients.dk());
        close("dv", wantGradients.dv(), gotGradients.dv());
    }

    @Test
    void runsAreBitIdentical() {
        for (int window : new int[] {0, 5}) {
            FullAttentionSpec spec = new FullAttentionSpec(130, 4, 2, 16, window);
            SplittableRandom random = new SplittableRandom(11 + window);
            float[] q = AttentionTensors.gaussian(random, spec.querySize(), 2.0);
            float[] k = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
            float[] v = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
            float[] dout = AttentionTensors.gaussian(random, spec.querySize(), 1.0);
            float[][] first = run(spec, q, k, v, dout);
            float[][] second = run(spec, q, k, v, dout);
            for (int i = 0; i < first.length; i++) {
                assertArrayEquals(first[i], second[i], "output " + i + ", window " + window);
            }
        }
    }

    @Test
    void wrongShapesAndClosedInstancesAreRejected() {
        FullAttentionSpec spec = new FullAttentionSpec(4, 2, 1, 8, 0);
        float[] q = new float[spec.querySize()];
        float[] kv = new float[spec.kvSize()];
        assertThrows(IllegalArgumentException.class,
                () -> attention.forward(spec, q, new float[kv.length + 1], kv));
        FlashAttention.Result result = attention.forward(spec, q, kv, kv);
        assertThrows(IllegalArgumentException.class, () -> attention.backward(spec, q, kv, kv,
                result.o(), new float[spec.rowCount() - 1], q));

        OpenClFullAttention closed = new OpenClFullAttention();
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.forward(spec, q, kv, kv));
    }

    private static float[][] run(FullAttentionSpec spec, float[] q, float[] k, float[] v,
            float[] dout) {
        FlashAttention.Result result = attention.forward(spec, q, k, v);
        FlashAttention.Gradients gradients = attention.backward(spec, q, k, v, result.o(),
                result.lse(), dout);
        return new float[][] {result.o(), result.lse(), gradients.dq(), gradients.dk(),
            gradients.dv()};
    }

    private static void close(String what, float[] want, float[] got) {
        AttentionTensors.assertClose(what, AttentionTensors.widen(want), got, TOLERANCE,
                TOLERANCE);
    }
}
