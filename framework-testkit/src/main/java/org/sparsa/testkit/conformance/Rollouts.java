package org.sparsa.testkit.conformance;

import java.util.Optional;
import java.util.SplittableRandom;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.policy.RolloutBatch;
import org.sparsa.api.tensor.Tensor;

/**
 * The host values of a rollout batch of {@code rows} completions of {@code width} tokens, in
 * groups of consecutive completions, to be put on any backend with {@link #on}.
 *
 * @param logp current log-probabilities, [B, T]
 * @param old the sampling policy's, [B, T]
 * @param ref the reference policy's, [B, T]
 * @param mask 1 for completion tokens, [B, T]
 * @param rewards one per completion
 * @param groups the group of each completion
 */
record Rollouts(int rows, int width, float[] logp, float[] old, float[] ref, float[] mask,
        float[] rewards, int[] groups) {

    /**
     * Random rollouts: {@code groupCount} groups of {@code groupSize}, log-probabilities in
     * {@code [-3, -0.1)}, current minus old within {@code ±spread}, the reference near the old
     * policy, completions of 1 to {@code width} tokens and rewards from {@code {0, 0.5, 1}}.
     */
    static Rollouts random(int groupCount, int groupSize, int width, double spread, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int rows = groupCount * groupSize;
        float[] logp = new float[rows * width];
        float[] old = new float[rows * width];
        float[] ref = new float[rows * width];
        float[] mask = new float[rows * width];
        float[] rewards = new float[rows];
        int[] groups = new int[rows];
        for (int i = 0; i < rows; i++) {
            int length = 1 + random.nextInt(width);
            for (int t = 0; t < width; t++) {
                int j = i * width + t;
                old[j] = (float) (-0.1 - 2.9 * random.nextDouble());
                logp[j] = (float) (old[j] + spread * (2 * random.nextDouble() - 1));
                ref[j] = (float) (old[j] + 0.1 * (2 * random.nextDouble() - 1));
                mask[j] = t < length ? 1 : 0;
            }
            rewards[i] = 0.5f * random.nextInt(3);
            groups[i] = i / groupSize;
        }
        return new Rollouts(rows, width, logp, old, ref, mask, rewards, groups);
    }

    /** These rollouts with other rewards. */
    Rollouts withRewards(float... values) {
        return new Rollouts(rows, width, logp, old, ref, mask, values.clone(), groups);
    }

    /** These rollouts whose reference policy is the current one. */
    Rollouts withReferenceCurrent() {
        return new Rollouts(rows, width, logp, old, logp.clone(), mask, rewards, groups);
    }

    /** These rollouts with completion {@code row} all padding. */
    Rollouts withEmptyCompletion(int row) {
        float[] masked = mask.clone();
        for (int t = 0; t < width; t++) {
            masked[row * width + t] = 0;
        }
        return new Rollouts(rows, width, logp, old, ref, masked, rewards, groups);
    }

    /** The current log-probabilities as a leaf on {@code ops}. */
    Variable leaf(Ops ops) {
        return ops.leaf(ops.tensor(logp.clone(), rows, width));
    }

    /** The batch on {@code ops}, with {@code current} as its current log-probabilities. */
    RolloutBatch on(Ops ops, Variable current) {
        Tensor oldTensor = ops.tensor(old.clone(), rows, width);
        Tensor refTensor = ops.tensor(ref.clone(), rows, width);
        Tensor maskTensor = ops.tensor(mask.clone(), rows, width);
        Tensor rewardTensor = ops.tensor(rewards.clone(), rows);
        int[] groupIds = groups.clone();
        return new RolloutBatch() {
            @Override
            public Variable logProbs() {
                return current;
            }

            @Override
            public Tensor oldLogProbs() {
                return oldTensor;
            }

            @Override
            public Optional<Tensor> refLogProbs() {
                return Optional.of(refTensor);
            }

            @Override
            public Tensor mask() {
                return maskTensor;
            }

            @Override
            public Tensor rewards() {
                return rewardTensor;
            }

            @Override
            public int[] groupIds() {
                return groupIds.clone();
            }
        };
    }
}
