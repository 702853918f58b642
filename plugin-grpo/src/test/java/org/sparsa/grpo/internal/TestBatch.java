package org.sparsa.grpo.internal;

import java.util.Map;
import java.util.Optional;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.policy.PolicyLossResult;

/**
 * A small rollout batch for the tests, built from plain arrays: B completions of T tokens, log
 * ratios {@code logp - logp_old} given directly so that tests can put ratios where they want.
 */
final class TestBatch {
    final int rows;
    final int width;
    final float[] logp;
    final float[] old;
    final float[] ref;
    final float[] mask;
    final float[] rewards;
    final int[] groups;

    /**
     * @param logRatios {@code logp - logp_old}, [B][T]
     * @param mask 1 for completion tokens, [B][T]
     * @param rewards one per completion
     * @param groupSize consecutive completions per group
     */
    TestBatch(double[][] logRatios, double[][] mask, double[] rewards, int groupSize) {
        this.rows = logRatios.length;
        this.width = logRatios[0].length;
        this.logp = new float[rows * width];
        this.old = new float[rows * width];
        this.ref = new float[rows * width];
        this.mask = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            for (int t = 0; t < width; t++) {
                int j = i * width + t;
                // Log-probabilities of order -1, varied per token; the reference differs too.
                old[j] = (float) (-0.5 - 0.1 * ((j * 7) % 11));
                logp[j] = (float) (old[j] + logRatios[i][t]);
                ref[j] = (float) (old[j] + 0.05 * (((j * 5) % 9) - 4));
                this.mask[j] = (float) mask[i][t];
            }
        }
        this.rewards = new float[rows];
        for (int i = 0; i < rows; i++) {
            this.rewards[i] = (float) rewards[i];
        }
        this.groups = Rollouts.consecutiveGroups(rows, groupSize);
    }

    /** The batch with {@code logp} as the current log-probabilities. */
    Rollouts with(Variable logp, Ops ops) {
        return new Rollouts(logp, ops.tensor(old, rows, width),
                Optional.of(ops.tensor(ref, rows, width)), ops.tensor(mask, rows, width),
                ops.tensor(rewards, rows), groups);
    }

    /** The loss of {@code preset} overridden by {@code overrides}, with logp a leaf. */
    Result compute(Ops ops, Preset preset, Map<String, ?> overrides) {
        Variable leaf = ops.leaf(ops.tensor(logp, rows, width));
        ClippedPolicyLoss loss = new ClippedPolicyLoss(preset.config()
                .overriddenBy(PluginConfig.of(overrides, "test")));
        PolicyLossResult result = loss.compute(with(leaf, ops));
        result.loss().backward();
        return new Result(result, leaf.grad().orElseThrow().toArray());
    }

    /** What {@link #compute} gives: the loss result and the gradient of logp. */
    record Result(PolicyLossResult result, float[] gradient) {
        double loss() {
            return result.loss().value().toArray()[0];
        }
    }

    /** Rows of {@code width} copies of each value. */
    static double[][] rowsOf(int width, double... values) {
        double[][] out = new double[values.length][width];
        for (int i = 0; i < values.length; i++) {
            java.util.Arrays.fill(out[i], values[i]);
        }
        return out;
    }
}
