package org.sparsa.rewards.internal;

import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/** The {@code length} reward, the group-level length reward, within plus or minus one half, against the reward conformance suite. */
class LengthConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new LengthReward();
    }

    @Override
    protected double minimum() {
        return -0.5;
    }

    @Override
    protected double maximum() {
        return 0.5;
    }
}
