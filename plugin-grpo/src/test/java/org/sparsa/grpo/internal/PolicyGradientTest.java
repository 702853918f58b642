package org.sparsa.grpo.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.testkit.EachBackend;
import org.sparsa.testkit.OpGradientCheck;

/**
 * The gradient of each preset's loss with respect to the current log-probabilities, from
 * autograd, against finite differences of the loss. Log ratios keep clear of the clip
 * boundaries and the off-policy threshold by more than the step, where the loss has kinks.
 */
class PolicyGradientTest {
    /** Two groups of three, different lengths, one completion of a single token. */
    private static final double[][] MASK = {
        {1, 1, 1, 1}, {1, 1, 0, 0}, {1, 0, 0, 0}, {1, 1, 1, 0}, {1, 1, 1, 1}, {1, 1, 0, 0}};
    private static final double[] REWARDS = {1, 0, 0.5, 0, 1, 0.25};

    /**
     * Ratios inside and outside [0.8, 1.2] and [0.8, 1.28], clear of both by at least 0.05; the
     * last completion (negative advantage, mean log ratio -0.25) is beyond V3.2's threshold.
     */
    private static final double[][] TOKEN_LOG_RATIOS = {
        {0.05, -0.4, 0.3, 0.0}, {0.35, -0.05, 0.2, 0.7}, {-0.35, 0.0, 0.0, 0.0},
        {0.1, -0.1, 0.45, 0.0}, {-0.5, 0.02, 0.1, 0.3}, {-0.1, -0.4, -0.3, 0.0}};

    @EachBackend
    void grpo(Ops ops) {
        check(ops, Preset.GRPO, TOKEN_LOG_RATIOS, 1e-2);
    }

    @EachBackend
    void drGrpo(Ops ops) {
        check(ops, Preset.DR_GRPO, TOKEN_LOG_RATIOS, 1e-2);
    }

    @EachBackend
    void dapo(Ops ops) {
        check(ops, Preset.DAPO, TOKEN_LOG_RATIOS, 1e-2);
    }

    @EachBackend
    void v32(Ops ops) {
        check(ops, Preset.V32, TOKEN_LOG_RATIOS, 1e-2);
    }

    /**
     * GSPO clips at 1 - 3e-4 and 1 + 4e-4: completions whose mean log ratio is exactly 0 sit
     * inside, the others far outside, and the step is small enough to stay on one side.
     */
    @EachBackend
    void gspo(Ops ops) {
        double[][] logRatios = {
            {0.2, -0.2, 0.1, -0.1}, {0.3, 0.1, 0.0, 0.0}, {0.0, 0.0, 0.0, 0.0},
            {0.1, -0.3, 0.2, 0.0}, {-0.2, -0.1, 0.0, -0.3}, {0.25, -0.25, 0.0, 0.0}};
        check(ops, Preset.GSPO, logRatios, 1e-4);
    }

    private static void check(Ops ops, Preset preset, double[][] logRatios, double step) {
        TestBatch batch = new TestBatch(logRatios, MASK, REWARDS, 3);
        ClippedPolicyLoss loss = new ClippedPolicyLoss(preset.config()
                .overriddenBy(PluginConfig.of(Map.of(), "test")));
        OpGradientCheck.of(ops, in -> loss.compute(batch.with(in.get(0), ops)).loss())
                .step(step)
                .check(ops.tensor(batch.logp, batch.rows, batch.width));
        // A check of a gradient that is zero everywhere would prove little.
        float[] gradient = batch.compute(ops, preset, Map.of()).gradient();
        double largest = 0;
        for (float g : gradient) {
            largest = Math.max(largest, Math.abs(g));
        }
        assertTrue(largest > 1e-2, "largest gradient component " + largest);
    }
}
