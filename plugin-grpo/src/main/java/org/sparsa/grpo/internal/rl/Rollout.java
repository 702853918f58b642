package org.sparsa.grpo.internal.rl;

import java.util.List;
import org.sparsa.api.task.Example;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.Routing;

/**
 * One prompt's group of G sampled completions, with what training on them needs. The
 * completions all have {@code width} positions (max_new_tokens); tokens after a completion's
 * end of sequence are padding the loss never counts.
 *
 * @param example the task's example the prompt came from
 * @param tokens prompt and completions, {@code [G, promptLength + width]}
 * @param promptLength tokens of the prompt
 * @param width generated positions per completion
 * @param mask 1 on each completion's tokens up to and including its end of sequence,
 *     {@code [G * width]}; all 0 for a completion left out by overlong masking
 * @param samplerLogProbs each generated token's log-probability under the distribution it was
 *     drawn from (temperature and truncation applied), {@code [G * width]}
 * @param kept per generated token (row-major {@code [G, width]}) the ids the sampler kept,
 *     ascending; null entries when it kept every id
 * @param routing the experts every position went to at sampling; empty for a dense model
 * @param rewards the weighted reward of each completion
 * @param scores each completion's reward parts
 * @param lengths each completion's length in tokens, its end of sequence included
 * @param truncated whether each completion ran out of positions before ending
 * @param correct the task's exact match of each completion, 0 or 1; empty when the task has
 *     none
 */
record Rollout(Example example, IntTensor tokens, int promptLength, int width, float[] mask,
        float[] samplerLogProbs, List<int[]> kept, Routing routing, double[] rewards,
        List<WeightedRewards.Score> scores, int[] lengths, boolean[] truncated,
        double[] correct) {

    /** Completions in the group. */
    int size() {
        return rewards.length;
    }

    /** Whether every completion of the group got the same reward (no learning signal). */
    boolean zeroStd() {
        for (double r : rewards) {
            if (r != rewards[0]) {
                return false;
            }
        }
        return true;
    }

    /** The generated tokens, {@code [G, width]}. */
    IntTensor completions() {
        int total = promptLength + width;
        int[] all = tokens.toArray();
        int[] out = new int[size() * width];
        for (int g = 0; g < size(); g++) {
            System.arraycopy(all, g * total + promptLength, out, g * width, width);
        }
        return IntTensor.of(out, size(), width);
    }
}
