package org.sparsa.grpo.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.policy.PolicyLoss;
import org.sparsa.api.policy.PolicyLossResult;
import org.sparsa.api.policy.RolloutBatch;
import org.sparsa.api.tensor.Tensor;

/**
 * The composable clipped policy loss of {@code specs/policy.md}: the negative of
 * {@code min(r A, clip(r, 1 - clip_low, 1 + clip_high) A)}, masked by the off-policy sequence
 * mask and aggregated, plus {@code beta} times the aggregated KL estimate.
 *
 * <p>Only the current log-probabilities carry gradient; advantages, the clip decision and the
 * off-policy mask are computed from values. The minimum is taken per element from the values:
 * where the clipped branch is strictly smaller its value enters as a constant (its gradient is
 * zero there, since the clip is active), otherwise the ratio enters with weight {@code A}. At a
 * tie the two branches have the same value and gradient, so the choice does not matter.
 *
 * <p>Metrics: {@code clip_fraction} (tokens, or completions at sequence level, whose clipped
 * branch was taken), {@code is_ratio_mean} (mean token ratio over completion tokens, or mean
 * sequence ratio), {@code kl} (mean KL estimate over completion tokens, when a KL term is set),
 * {@code offpolicy_kl} (mean over completions of the mean {@code logp_old - logp}) and
 * {@code masked_fraction} (completions dropped by the off-policy mask).
 */
final class ClippedPolicyLoss implements PolicyLoss {
    private final PolicyObjectiveConfig config;

    ClippedPolicyLoss(PolicyObjectiveConfig config) {
        this.config = config;
    }

    /** The knobs this loss computes with. */
    PolicyObjectiveConfig config() {
        return config;
    }

    @Override
    public PolicyLossResult compute(RolloutBatch batch) {
        Variable logp = batch.logProbs();
        Ops ops = logp.ops();
        int[] shape = logp.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("policy loss: log-probabilities must be [B, T], "
                    + "found " + Arrays.toString(shape));
        }
        int rows = shape[0];
        int width = shape[1];
        Tensor old = checked("old log-probabilities", batch.oldLogProbs(), shape);
        float[] mask = checked("mask", batch.mask(), shape).toArray();
        float[] rewards = batch.rewards().toArray();
        if (rewards.length != rows || batch.groupIds().length != rows) {
            throw new IllegalArgumentException("policy loss: " + rows + " completions but "
                    + rewards.length + " rewards and " + batch.groupIds().length + " group ids");
        }
        double[] lengths = new double[rows];
        for (int i = 0; i < rows; i++) {
            double length = 0;
            for (int t = 0; t < width; t++) {
                length += mask[i * width + t];
            }
            lengths[i] = Math.max(1, length);
        }
        double[] advantages = config.advantage().estimate(rewards, batch.groupIds(),
                config.advantageEps());

        Map<String, Double> metrics = new LinkedHashMap<>();
        Variable oldLogp = ops.constant(old);
        Variable logRatio = ops.sub(logp, oldLogp);
        Variable tokenRatio = ops.exp(logRatio);
        float[] logRatios = logRatio.value().toArray();
        float[] keep = offPolicyKeep(logRatios, mask, lengths, advantages, rows, width, metrics);
        double[] weights = config.aggregation().weights(mask, rows, width, lengths,
                config.normLength() > 0 ? config.normLength() : width);

        Variable loss = config.ratioLevel() == RatioLevel.TOKEN
                ? tokenSurrogate(tokenRatio, advantages, keep, weights, mask, metrics)
                : sequenceSurrogate(logRatio, advantages, keep, mask, lengths, metrics);
        if (config.kl() != KlEstimator.NONE) {
            Tensor ref = checked("reference log-probabilities", batch.refLogProbs()
                    .orElseThrow(() -> new IllegalArgumentException("policy loss: kl "
                            + config.kl().id() + " needs the reference log-probabilities")),
                    shape);
            Variable perToken = config.kl().perToken(logp, tokenRatio, ops.constant(ref));
            float[] scaled = new float[weights.length];
            for (int j = 0; j < weights.length; j++) {
                scaled[j] = (float) (config.beta() * weights[j]);
            }
            loss = ops.add(loss, ops.sum(ops.mul(perToken, ops.constant(scaled, shape)), false));
            metrics.put("kl", maskedMean(perToken.value().toArray(), mask));
        }
        float[] advantageValues = new float[rows];
        for (int i = 0; i < rows; i++) {
            advantageValues[i] = (float) advantages[i];
        }
        return new PolicyLossResult(loss, ops.tensor(advantageValues, rows),
                ops.tensor(keep, rows), metrics);
    }

    /**
     * DeepSeek-V3.2 Eq. 8-9: 0 for completions with a negative advantage whose mean
     * {@code logp_old - logp} exceeds delta, 1 otherwise (all 1 with the mask off).
     */
    private float[] offPolicyKeep(float[] logRatios, float[] mask, double[] lengths,
            double[] advantages, int rows, int width, Map<String, Double> metrics) {
        float[] keep = new float[rows];
        double klSum = 0;
        int dropped = 0;
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            for (int t = 0; t < width; t++) {
                sum -= mask[i * width + t] * (double) logRatios[i * width + t];
            }
            double estimate = sum / lengths[i];
            klSum += estimate;
            boolean drop = config.offPolicyMask() && advantages[i] < 0
                    && estimate > config.offPolicyDelta();
            keep[i] = drop ? 0f : 1f;
            dropped += drop ? 1 : 0;
        }
        metrics.put("offpolicy_kl", klSum / rows);
        metrics.put("masked_fraction", (double) dropped / rows);
        return keep;
    }

    /** The token-level surrogate, negated, masked and aggregated. */
    private Variable tokenSurrogate(Variable ratio, double[] advantages, float[] keep,
            double[] weights, float[] mask, Map<String, Double> metrics) {
        Ops ops = ratio.ops();
        int[] shape = ratio.shape();
        int width = shape[1];
        float[] r = ratio.value().toArray();
        float[] slope = new float[r.length];
        float[] offset = new float[r.length];
        double clipped = 0;
        for (int j = 0; j < r.length; j++) {
            int i = j / width;
            double weight = weights[j] * keep[i];
            double a = advantages[i];
            double clippedValue = clip(r[j]) * a;
            if (clippedValue < r[j] * a) {
                offset[j] = (float) (-weight * clippedValue);
                clipped += mask[j];
            } else {
                slope[j] = (float) (-weight * a);
            }
        }
        metrics.put("clip_fraction", clipped / Math.max(1, sum(mask)));
        metrics.put("is_ratio_mean", maskedMean(r, mask));
        return ops.sum(ops.add(ops.mul(ratio, ops.constant(slope, shape)),
                ops.constant(offset, shape)), false);
    }

    /**
     * GSPO: one ratio per completion, the exponential of the masked mean log-ratio; the
     * surrogate is averaged over completions.
     */
    private Variable sequenceSurrogate(Variable logRatio, double[] advantages, float[] keep,
            float[] mask, double[] lengths, Map<String, Double> metrics) {
        Ops ops = logRatio.ops();
        int[] shape = logRatio.shape();
        int rows = shape[0];
        int width = shape[1];
        float[] meanWeights = new float[mask.length];
        for (int j = 0; j < mask.length; j++) {
            meanWeights[j] = (float) (mask[j] / lengths[j / width]);
        }
        Variable ratio = ops.exp(ops.sum(ops.mul(logRatio, ops.constant(meanWeights, shape)),
                false, 1));
        float[] s = ratio.value().toArray();
        float[] slope = new float[rows];
        float[] offset = new float[rows];
        double clipped = 0;
        double ratioSum = 0;
        for (int i = 0; i < rows; i++) {
            double weight = keep[i] / (double) rows;
            double a = advantages[i];
            double clippedValue = clip(s[i]) * a;
            if (clippedValue < s[i] * a) {
                offset[i] = (float) (-weight * clippedValue);
                clipped++;
            } else {
                slope[i] = (float) (-weight * a);
            }
            ratioSum += s[i];
        }
        metrics.put("clip_fraction", clipped / rows);
        metrics.put("is_ratio_mean", ratioSum / rows);
        return ops.sum(ops.add(ops.mul(ratio, ops.constant(slope, rows)),
                ops.constant(offset, rows)), false);
    }

    private double clip(double ratio) {
        return Math.min(Math.max(ratio, 1 - config.clipLow()), 1 + config.clipHigh());
    }

    private static Tensor checked(String what, Tensor tensor, int[] shape) {
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw new IllegalArgumentException("policy loss: " + what + " must have the shape of"
                    + " the log-probabilities " + Arrays.toString(shape) + ", found "
                    + Arrays.toString(tensor.shape()));
        }
        return tensor;
    }

    private static double sum(float[] values) {
        double total = 0;
        for (float v : values) {
            total += v;
        }
        return total;
    }

    private static double maskedMean(float[] values, float[] mask) {
        double total = 0;
        for (int j = 0; j < values.length; j++) {
            total += mask[j] * (double) values[j];
        }
        return total / Math.max(1, sum(mask));
    }
}
