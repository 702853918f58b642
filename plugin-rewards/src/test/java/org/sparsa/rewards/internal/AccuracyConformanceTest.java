package org.sparsa.rewards.internal;

import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/** The {@code accuracy} reward, 1 for an answer equal to the reference, else 0, against the reward conformance suite. */
class AccuracyConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new AccuracyReward();
    }

    @Override
    protected double minimum() {
        return 0;
    }

    @Override
    protected double maximum() {
        return 1;
    }
}
