package org.sparsa.api.policy;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;

/**
 * A minibatch of rollouts as a policy objective sees it: B completions of T tokens each, with
 * the log-probabilities of the sampled tokens under the current, old and reference policies.
 */
@ProviderType
public interface RolloutBatch {

    /** Log-probabilities under the current policy, [B, T]; gradients flow through them. */
    Variable logProbs();

    /** Log-probabilities under the policy that sampled the rollouts, [B, T]. */
    Tensor oldLogProbs();

    /** Log-probabilities under the reference policy, [B, T], when a KL term needs them. */
    Optional<Tensor> refLogProbs();

    /** 1 for completion tokens, 0 for prompt and padding, [B, T]. */
    Tensor mask();

    /** The scalar reward of each completion, [B]. */
    Tensor rewards();

    /** The prompt group of each completion; advantages are normalised within a group, [B]. */
    int[] groupIds();
}
