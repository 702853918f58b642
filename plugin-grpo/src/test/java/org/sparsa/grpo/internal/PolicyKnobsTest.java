package org.sparsa.grpo.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.policy.PolicyLossResult;
import org.sparsa.testkit.EachBackend;

/** One property per knob of the objective, with the reference values of the literature. */
class PolicyKnobsTest {
    private static final double TOLERANCE = 1e-5;

    /**
     * Group-mean advantages 0.5 / -0.5. With DAPO's 0.2 / 0.28 the ratio 1.25 of a positive
     * advantage stays unclipped, 1.3 is clipped; GRPO's 0.2 / 0.2 clips 1.25 as well. A
     * negative advantage is clipped only below 1 - 0.2.
     */
    @EachBackend
    void clipHigherClipsOnlyAboveOnePlusEpsHigh(Ops ops) {
        double[][] ratios = {{1.1, 1.25, 1.3, 0.7}, {0.75, 0.9, 1.3, 1.25}};
        double[][] logRatios = new double[2][4];
        for (int i = 0; i < 2; i++) {
            for (int t = 0; t < 4; t++) {
                logRatios[i][t] = Math.log(ratios[i][t]);
            }
        }
        TestBatch batch = new TestBatch(logRatios, TestBatch.rowsOf(4, 1, 1),
                new double[] {1, 0}, 2);
        Map<String, Object> meanAdvantages = Map.of("advantage", "group_mean");
        TestBatch.Result dapo = batch.compute(ops, Preset.DAPO, meanAdvantages);
        boolean[] dapoClipped = {false, false, true, false, true, false, false, false};
        assertClippedExactly(dapoClipped, dapo.gradient());
        assertEquals(2.0 / 8, dapo.result().metrics().get("clip_fraction"), 1e-12);
        // token_mean: each of the 8 tokens weighs 1/8; an unclipped token's gradient is -A r / 8.
        assertEquals(-0.5 * 1.25 / 8, dapo.gradient()[1], TOLERANCE);
        assertEquals(0.5 * 1.3 / 8, dapo.gradient()[6], TOLERANCE);

        TestBatch.Result grpo = batch.compute(ops, Preset.GRPO,
                Map.of("advantage", "group_mean", "kl", "none"));
        boolean[] grpoClipped = {false, true, true, false, true, false, false, false};
        assertClippedExactly(grpoClipped, grpo.gradient());
        assertEquals(3.0 / 8, grpo.result().metrics().get("clip_fraction"), 1e-12);
    }

    /** The reference table of clipped values: loss = -min(r A, clip(r) A) per completion. */
    @EachBackend
    void clippedSurrogateMatchesTheReferenceTable(Ops ops) {
        // Rewards 1 and -1 in one group give group-mean advantages +1 and -1.
        Map<String, Object> plain = Map.of("advantage", "group_mean", "kl", "none");
        double[] rewards = {1, -1};
        // r = 1.5, A = +1 gives -1.2 (clipped); r = 0.5, A = -1 gives +0.8 (clipped).
        assertEquals((-1.2 + 0.8) / 2, single(ops, Preset.GRPO, plain, rewards, 1.5, 0.5),
                TOLERANCE);
        // r = 0.5, A = +1 gives -0.5; r = 1.5, A = -1 gives +1.5.
        assertEquals((-0.5 + 1.5) / 2, single(ops, Preset.GRPO, plain, rewards, 0.5, 1.5),
                TOLERANCE);
        // Clip-higher: r = 1.5, A = +1 gives -1.28 with clip_high 0.28; r = 1, A = -1 gives +1.
        assertEquals((-1.28 + 1) / 2, single(ops, Preset.GRPO, Map.of("advantage",
                "group_mean", "kl", "none", "clip_high", 0.28), rewards, 1.5, 1), TOLERANCE);
    }

    /**
     * GSPO: every token of a completion carries the one sequence ratio, so its gradient is the
     * same, {@code -A s / (B |o|)}, on every completion token and 0 on padding; a completion
     * whose clipped branch is taken gets none.
     */
    @EachBackend
    void sequenceRatioIsSharedByEveryTokenOfACompletion(Ops ops) {
        double[][] logRatios = {{0.2, -0.2, 0.1, -0.1}, {0.3, 0.1, 0.0, 0.0},
            {0.05, -0.05, 0.0, 0.0}, {0.3, 0.1, 0.2, 0.0}};
        double[][] mask = {{1, 1, 1, 1}, {1, 1, 0, 0}, {1, 1, 1, 0}, {1, 1, 1, 0}};
        TestBatch batch = new TestBatch(logRatios, mask, new double[] {1, 0, 0, 1}, 4);
        TestBatch.Result gspo = batch.compute(ops, Preset.GSPO, Map.of());
        float[] advantages = gspo.result().advantages().toArray();
        double[] lengths = {4, 2, 3, 3};
        for (int i = 0; i < 4; i++) {
            double mean = 0;
            for (int t = 0; t < 4; t++) {
                mean += mask[i][t] * logRatios[i][t];
            }
            double s = Math.exp(mean / lengths[i]);
            // The ratio enters unclipped unless the clip bounds it on the advantage's side.
            boolean unclipped = advantages[i] > 0 ? s <= 1 + 4e-4 : s >= 1 - 3e-4;
            float first = gspo.gradient()[i * 4];
            for (int t = 0; t < 4; t++) {
                float g = gspo.gradient()[i * 4 + t];
                if (mask[i][t] == 0) {
                    assertEquals(0f, g, "padding of completion " + i);
                } else {
                    assertEquals(first, g, "completion " + i + " token " + t);
                }
            }
            double expected = unclipped ? -advantages[i] * s / (4 * lengths[i]) : 0;
            assertEquals(expected, first, TOLERANCE, "completion " + i);
        }
        // The first completion's ratio is 1 (mean log ratio 0); the last, e^0.2 with a positive
        // advantage, is clipped; the second, e^0.2 with a negative one, is not.
        assertNotEquals(0, gspo.gradient()[0]);
        assertNotEquals(0, gspo.gradient()[4]);
        assertEquals(0, gspo.gradient()[12]);
    }

    /** GSPO's reference value: log ratios 0.1, -0.2, 0.4 give s = e^0.1, clipped to 1.0004. */
    @EachBackend
    void sequenceRatioIsTheGeometricMean(Ops ops) {
        TestBatch batch = new TestBatch(new double[][] {{0.1, -0.2, 0.4}, {0, 0, 0}},
                TestBatch.rowsOf(3, 1, 1), new double[] {1, 0}, 2);
        TestBatch.Result gspo = batch.compute(ops, Preset.GSPO, Map.of("advantage",
                "group_mean"));
        assertEquals((1.105171 + 1) / 2, gspo.result().metrics().get("is_ratio_mean"), 1e-6);
        // A = +0.5 with s clipped to 1.0004, A = -0.5 with s = 1: mean of the two negated.
        assertEquals(-(0.5 * 1.0004 - 0.5 * 1) / 2, gspo.loss(), TOLERANCE);
        assertEquals(0.5, gspo.result().metrics().get("clip_fraction"), 1e-12);
    }

    /**
     * V3.2's mask drops a completion from the surrogate exactly when its advantage is negative
     * and its mean {@code logp_old - logp} exceeds delta; the KL term still reaches it.
     */
    @EachBackend
    void offPolicyMaskDropsExactlyTheNegativeAdvantageCompletionsBeyondDelta(Ops ops) {
        // Advantages +0.5, -0.5, +0.5, -0.5; mean logp_old - logp 0.2, 0.2, 0.01, 0.01.
        double[][] logRatios = TestBatch.rowsOf(3, -0.2, -0.2, -0.01, -0.01);
        TestBatch batch = new TestBatch(logRatios, TestBatch.rowsOf(3, 1, 1, 1, 1),
                new double[] {1, 0, 1, 0}, 4);
        TestBatch.Result surrogate = batch.compute(ops, Preset.V32, Map.of("kl", "none"));
        assertArrayEquals(new float[] {1, 0, 1, 1}, surrogate.result().keep().toArray());
        assertEquals(0.25, surrogate.result().metrics().get("masked_fraction"), 1e-12);
        for (int t = 0; t < 3; t++) {
            assertEquals(0f, surrogate.gradient()[3 + t]);
            assertNotEquals(0f, surrogate.gradient()[t]);
            assertNotEquals(0f, surrogate.gradient()[9 + t]);
        }
        TestBatch.Result withKl = batch.compute(ops, Preset.V32, Map.of());
        assertArrayEquals(new float[] {1, 0, 1, 1}, withKl.result().keep().toArray());
        assertNotEquals(0f, withKl.gradient()[3]);
        // A threshold above both estimates keeps everything; the mask turned off too.
        assertArrayEquals(new float[] {1, 1, 1, 1}, batch.compute(ops, Preset.V32,
                Map.of("offpolicy_delta", 0.3)).result().keep().toArray());
        assertArrayEquals(new float[] {1, 1, 1, 1}, batch.compute(ops, Preset.V32,
                Map.of("offpolicy_mask", false)).result().keep().toArray());
        // Any preset can turn it on.
        assertArrayEquals(new float[] {1, 0, 1, 1}, batch.compute(ops, Preset.GRPO,
                Map.of("offpolicy_mask", true)).result().keep().toArray());
    }

    /** k3_unbiased weighs k3 by the token ratio, which is 1 when the current policy is old. */
    @EachBackend
    void unbiasedKlEqualsK3WhenCurrentEqualsOld(Ops ops) {
        TestBatch onPolicy = new TestBatch(TestBatch.rowsOf(3, 0, 0, 0, 0),
                TestBatch.rowsOf(3, 1, 1, 1, 0), new double[] {1, 0, 0.5, 0.2}, 2);
        TestBatch.Result unbiased = onPolicy.compute(ops, Preset.V32, Map.of());
        TestBatch.Result k3 = onPolicy.compute(ops, Preset.V32, Map.of("kl", "k3"));
        assertEquals(k3.loss(), unbiased.loss(), 1e-7);
        assertEquals(k3.result().metrics().get("kl"), unbiased.result().metrics().get("kl"),
                1e-9);
        assertTrue(k3.result().metrics().get("kl") > 0);

        TestBatch offPolicy = new TestBatch(TestBatch.rowsOf(3, 0.1, -0.1, 0.1, 0),
                TestBatch.rowsOf(3, 1, 1, 1, 0), new double[] {1, 0, 0.5, 0.2}, 2);
        assertNotEquals(offPolicy.compute(ops, Preset.V32, Map.of("kl", "k3")).loss(),
                offPolicy.compute(ops, Preset.V32, Map.of()).loss(), 1e-6);
    }

    /** k3 at logp -1, logp_ref -1.5 is 0.106531; times the ratio e^0.2 it is 0.130117. */
    @EachBackend
    void klEstimatorsMatchTheReferenceValues(Ops ops) {
        assertEquals(0.106531, klMetric(ops, "k3"), 1e-6);
        assertEquals(0.130117, klMetric(ops, "k3_unbiased"), 1e-6);
    }

    @EachBackend
    void aKlTermNeedsTheReferenceAndShapesMustAgree(Ops ops) {
        Variable logp = ops.leaf(ops.tensor(new float[] {-1f, -2f}, 1, 2));
        Rollouts noReference = new Rollouts(logp, ops.tensor(new float[] {-1f, -2f}, 1, 2),
                Optional.empty(), ops.tensor(new float[] {1f, 1f}, 1, 2),
                ops.tensor(new float[] {1f}, 1), new int[] {0});
        ClippedPolicyLoss grpo = new ClippedPolicyLoss(Preset.GRPO.config());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> grpo.compute(noReference));
        assertTrue(e.getMessage().contains("kl k3 needs the reference"), e.getMessage());
        Rollouts badMask = new Rollouts(logp, ops.tensor(new float[] {-1f, -2f}, 1, 2),
                Optional.empty(), ops.tensor(new float[] {1f}, 1, 1),
                ops.tensor(new float[] {1f}, 1), new int[] {0});
        e = assertThrows(IllegalArgumentException.class,
                () -> new ClippedPolicyLoss(Preset.DAPO.config()).compute(badMask));
        assertTrue(e.getMessage().contains("mask must have the shape"), e.getMessage());
    }

    @Test
    void groupStdAdvantagesMatchTheReferenceValues() {
        double[] half = AdvantageEstimator.GROUP_STD.estimate(new float[] {1, 0, 0, 1},
                new int[4], 1e-4);
        assertArrayEquals(new double[] {0.86588, -0.86588, -0.86588, 0.86588}, half, 1e-5);
        double[] one = AdvantageEstimator.GROUP_STD.estimate(new float[] {1, 0, 0, 0},
                new int[4], 1e-4);
        assertArrayEquals(new double[] {1.4997, -0.4999, -0.4999, -0.4999}, one, 1e-4);
        // A group of one has std 1 and advantage 0; equal rewards give 0, not NaN.
        assertArrayEquals(new double[] {0, 0, 0}, AdvantageEstimator.GROUP_STD.estimate(
                new float[] {3, 2, 2}, new int[] {0, 1, 1}, 0), 0);
        // Groups are found by id, not by position.
        double[] interleaved = AdvantageEstimator.GROUP_STD.estimate(
                new float[] {1, 5, 0, 7, 0, 5, 1, 9}, new int[] {0, 1, 0, 1, 0, 1, 0, 1}, 1e-4);
        assertArrayEquals(half, new double[] {interleaved[0], interleaved[2], interleaved[4],
            interleaved[6]}, 1e-12);
    }

    @Test
    void groupMeanAdvantagesAreCentredOnly() {
        assertArrayEquals(new double[] {0.75, -0.25, -0.25, -0.25},
                AdvantageEstimator.GROUP_MEAN.estimate(new float[] {1, 0, 0, 0}, new int[4],
                        0.5), 1e-12);
    }

    /** The three aggregations as token weights; padding weighs nothing. */
    @Test
    void aggregationsWeighTokensAsTheSpecSays() {
        float[] mask = {1, 1, 1, 1, 1, 0, 0, 0};
        double[] lengths = {4, 1};
        assertArrayEquals(new double[] {0.125, 0.125, 0.125, 0.125, 0.5, 0, 0, 0},
                Aggregation.SEQ_MEAN_TOKEN_MEAN.weights(mask, 2, 4, lengths, 0), 1e-15);
        assertArrayEquals(new double[] {0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0},
                Aggregation.TOKEN_MEAN.weights(mask, 2, 4, lengths, 0), 1e-15);
        assertArrayEquals(new double[] {0.05, 0.05, 0.05, 0.05, 0.05, 0, 0, 0},
                Aggregation.SEQ_MEAN_TOKEN_SUM_NORM.weights(mask, 2, 4, lengths, 10), 1e-15);
    }

    /** Dr. GRPO without norm_length divides by the padded width; with it, by the constant. */
    @EachBackend
    void constantNormaliserDefaultsToThePaddedWidth(Ops ops) {
        TestBatch batch = new TestBatch(TestBatch.rowsOf(4, 0.05, -0.05),
                new double[][] {{1, 1, 1, 0}, {1, 0, 0, 0}}, new double[] {1, 0}, 2);
        double byWidth = batch.compute(ops, Preset.DR_GRPO, Map.of()).loss();
        double byEight = batch.compute(ops, Preset.DR_GRPO, Map.of("norm_length", 8)).loss();
        assertEquals(byWidth / 2, byEight, 1e-7);
        assertNotEquals(0, byWidth);
    }

    private static double single(Ops ops, Preset preset, Map<String, Object> overrides,
            double[] rewards, double ratio0, double ratio1) {
        TestBatch batch = new TestBatch(new double[][] {{Math.log(ratio0)}, {Math.log(ratio1)}},
                TestBatch.rowsOf(1, 1, 1), rewards, 2);
        return batch.compute(ops, preset, overrides).loss();
    }

    private static double klMetric(Ops ops, String kl) {
        Variable logp = ops.leaf(ops.tensor(new float[] {-1f}, 1, 1));
        Rollouts batch = new Rollouts(logp, ops.tensor(new float[] {-1.2f}, 1, 1),
                Optional.of(ops.tensor(new float[] {-1.5f}, 1, 1)),
                ops.tensor(new float[] {1f}, 1, 1), ops.tensor(new float[] {1f}, 1),
                new int[] {0});
        PolicyLossResult result = new ClippedPolicyLoss(Preset.V32.config().overriddenBy(
                PluginConfig.of(Map.of("kl", kl), "test"))).compute(batch);
        return result.metrics().get("kl");
    }

    private static void assertClippedExactly(boolean[] clipped, float[] gradient) {
        for (int j = 0; j < clipped.length; j++) {
            if (clipped[j]) {
                assertEquals(0f, gradient[j], "token " + j + " is clipped");
            } else {
                assertNotEquals(0f, gradient[j], "token " + j + " is not clipped");
            }
        }
    }
}
