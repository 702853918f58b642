package org.sparsa.grpo.internal;

import java.util.Optional;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.policy.RolloutBatch;
import org.sparsa.api.tensor.Tensor;

/**
 * A rollout batch held in memory, as the golden op builds it from a case's tensors.
 *
 * @param logProbs current log-probabilities [B,T], with gradient
 * @param oldLogProbs the sampler's log-probabilities [B,T]
 * @param refLogProbs the reference policy's, when there are any
 * @param mask completion tokens [B,T]
 * @param rewards one per completion [B]
 * @param groupIds the prompt group of each completion [B]
 */
record Rollouts(Variable logProbs, Tensor oldLogProbs, Optional<Tensor> refLogProbs,
        Tensor mask, Tensor rewards, int[] groupIds) implements RolloutBatch {

    Rollouts {
        groupIds = groupIds.clone();
    }

    @Override
    public int[] groupIds() {
        return groupIds.clone();
    }

    /** Consecutive groups of {@code size} completions: ids 0,..,0,1,..,1,... for B rows. */
    static int[] consecutiveGroups(int rows, int size) {
        if (size < 1 || rows % size != 0) {
            throw new IllegalArgumentException("group size " + size + " must be positive and"
                    + " divide the " + rows + " completions");
        }
        int[] ids = new int[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = i / size;
        }
        return ids;
    }
}
