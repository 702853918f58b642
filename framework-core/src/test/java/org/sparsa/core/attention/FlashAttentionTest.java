package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The tiled path against the float64 reference, and its determinism. */
class FlashAttentionTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "T={0} Hq={1} Hkv={2} D={3} window={4}")
    @CsvSource({
        "1, 1, 1, 8, 0",
        "7, 4, 2, 16, 0",
        "64, 2, 2, 16, 0",
        "65, 4, 2, 8, 5",
        "65, 2, 1, 64, 300",
        "130, 4, 1, 16, 0",
        "130, 4, 2, 8, 1",
        "128, 2, 1, 16, 70",
        "200, 2, 2, 64, 64",
        "200, 4, 1, 8, 5",
        // Several forward query blocks and backward key blocks, and windows across them.
        "600, 2, 1, 16, 0",
        "530, 4, 2, 8, 300",
        "700, 2, 2, 4, 100",
        "520, 2, 1, 3, 257",
    })
    void agreesWithTheReference(int length, int queryHeads, int kvHeads, int headDim,
            int window) {
        FullAttentionSpec spec = new FullAttentionSpec(length, queryHeads, kvHeads, headDim,
                window);
        SplittableRandom random = new SplittableRandom(length * 31L + window);
        // A wider spread of q makes some rows peaked, which exercises the running-max rescale.
        float[] q = AttentionTensors.gaussian(random, spec.querySize(), 2.0);
        float[] k = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
        float[] v = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
        float[] dout = AttentionTensors.gaussian(random, spec.querySize(), 1.0);

        FlashAttention.Result result = FlashAttention.forward(spec, q, k, v);
        FlashAttention.Gradients gradients = FlashAttention.backward(spec, q, k, v, result.o(),
                result.lse(), dout);

        double[] qs = AttentionTensors.widen(q);
        double[] ks = AttentionTensors.widen(k);
        double[] vs = AttentionTensors.widen(v);
        FullAttentionReference.Gradients want = FullAttentionReference.backward(spec, qs, ks, vs,
                AttentionTensors.widen(dout));
        AttentionTensors.assertClose("o", FullAttentionReference.forward(spec, qs, ks, vs),
                result.o(), TOLERANCE, TOLERANCE);
        AttentionTensors.assertClose("dq", want.dq(), gradients.dq(), TOLERANCE, TOLERANCE);
        AttentionTensors.assertClose("dk", want.dk(), gradients.dk(), TOLERANCE, TOLERANCE);
        AttentionTensors.assertClose("dv", want.dv(), gradients.dv(), TOLERANCE, TOLERANCE);
    }

    @Test
    void aSingleTokenAttendsToItself() {
        FullAttentionSpec spec = new FullAttentionSpec(1, 2, 1, 2, 0);
        float[] q = {1, 2, -1, 0.5f};
        float[] k = {0.5f, -1};
        float[] v = {3, -4};
        FlashAttention.Result result = FlashAttention.forward(spec, q, k, v);
        assertArrayEquals(new float[] {3, -4, 3, -4}, result.o());
        // One visible key: its probability is 1, so lse is just the scaled score.
        float scale = (float) (1 / Math.sqrt(2));
        assertArrayEquals(new float[] {(1 * 0.5f - 2) * scale, (-0.5f - 0.5f) * scale},
                result.lse(), 1e-6f);
    }

    @Test
    void resultsAreBitIdenticalAcrossRunsAndThreadCounts() {
        for (int window : new int[] {0, 100, 700}) {
            // Five key blocks: the backward's dq shares are added in turn across workers.
            FullAttentionSpec spec = new FullAttentionSpec(1100, 4, 2, 16, window);
            SplittableRandom random = new SplittableRandom(7 + window);
            float[] q = AttentionTensors.gaussian(random, spec.querySize(), 2.0);
            float[] k = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
            float[] v = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
            float[] dout = AttentionTensors.gaussian(random, spec.querySize(), 1.0);

            float[][] first = run(spec, q, k, v, dout, ForkJoinPool.commonPool());
            float[][] second = run(spec, q, k, v, dout, ForkJoinPool.commonPool());
            ForkJoinPool one = new ForkJoinPool(1);
            ForkJoinPool four = new ForkJoinPool(4);
            try {
                float[][] single = run(spec, q, k, v, dout, one);
                float[][] many = run(spec, q, k, v, dout, four);
                for (int i = 0; i < first.length; i++) {
                    assertBitIdentical(first[i], second[i], "rerun, output " + i);
                    assertBitIdentical(first[i], single[i], "1 thread, output " + i);
                    assertBitIdentical(first[i], many[i], "4 threads, output " + i);
                }
            } finally {
                one.shutdown();
                four.shutdown();
            }
        }
    }

    /**
     * Scratch kept from call to call holds whatever the last call left, so every call must
     * write what it reads: results with the kept scratch full of NaN equal those of a fresh
     * run, after calls of other shapes (a short last block, other head counts) have used it.
     */
    @Test
    void keptScratchFullOfNanChangesNoBit() {
        FullAttentionSpec spec = new FullAttentionSpec(300, 4, 2, 16, 0);
        SplittableRandom random = new SplittableRandom(11);
        float[] q = AttentionTensors.gaussian(random, spec.querySize(), 2.0);
        float[] k = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
        float[] v = AttentionTensors.gaussian(random, spec.kvSize(), 1.0);
        float[] dout = AttentionTensors.gaussian(random, spec.querySize(), 1.0);
        float[][] first = run(spec, q, k, v, dout, ForkJoinPool.commonPool());
        FullAttentionSpec other = new FullAttentionSpec(700, 2, 1, 16, 50);
        SplittableRandom more = new SplittableRandom(12);
        run(other, AttentionTensors.gaussian(more, other.querySize(), 1.0),
                AttentionTensors.gaussian(more, other.kvSize(), 1.0),
                AttentionTensors.gaussian(more, other.kvSize(), 1.0),
                AttentionTensors.gaussian(more, other.querySize(), 1.0),
                ForkJoinPool.commonPool());
        assertTrue(FlashAttention.keptScratch() > 0, "no scratch was kept");
        FlashAttention.fillKeptScratch(Float.NaN);
        float[][] again = run(spec, q, k, v, dout, ForkJoinPool.commonPool());
        for (int i = 0; i < first.length; i++) {
            assertBitIdentical(first[i], again[i], "with NaN scratch, output " + i);
        }
    }

    /** o, lse, dq, dk, dv. */
    private static float[][] run(FullAttentionSpec spec, float[] q, float[] k, float[] v,
            float[] dout, ForkJoinPool pool) {
        FlashAttention.Result result = FlashAttention.forward(spec, q, k, v, pool);
        FlashAttention.Gradients gradients = FlashAttention.backward(spec, q, k, v, result.o(),
                result.lse(), dout, pool);
        return new float[][] {result.o(), result.lse(), gradients.dq(), gradients.dk(),
            gradients.dv()};
    }

    private static void assertBitIdentical(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            int index = i;
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                    () -> what + " differs at flat index " + index);
        }
    }
}
