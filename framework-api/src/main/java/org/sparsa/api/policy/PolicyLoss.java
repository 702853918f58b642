package org.sparsa.api.policy;

import org.osgi.annotation.versioning.ConsumerType;

/** A configured policy objective, made by a {@link PolicyObjective}. */
@ConsumerType
public interface PolicyLoss {

    /** Computes the loss, advantages and keep mask of one minibatch. */
    PolicyLossResult compute(RolloutBatch batch);
}
