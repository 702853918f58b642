package org.sparsa.grpo.internal.rl;

import java.util.Optional;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.policy.RolloutBatch;
import org.sparsa.api.tensor.Tensor;

/**
 * A minibatch of whole rollout groups as the policy objective sees it: B completions of
 * {@code width} generated positions each.
 *
 * @param logProbs current log-probabilities [B, width], with gradient
 * @param oldLogProbs the sampler's [B, width]
 * @param refLogProbs the reference's, when the stage keeps one
 * @param mask 1 on counted completion tokens [B, width]
 * @param rewards one per completion [B]
 * @param groupIds each completion's group within the minibatch [B]
 */
record RolloutMinibatch(Variable logProbs, Tensor oldLogProbs, Optional<Tensor> refLogProbs,
        Tensor mask, Tensor rewards, int[] groupIds) implements RolloutBatch {

    RolloutMinibatch {
        groupIds = groupIds.clone();
    }

    @Override
    public int[] groupIds() {
        return groupIds.clone();
    }
}
