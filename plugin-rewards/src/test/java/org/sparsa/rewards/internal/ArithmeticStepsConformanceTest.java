package org.sparsa.rewards.internal;

import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/** The {@code arithmetic_steps} reward, the fraction of right reasoning steps, against the reward conformance suite. */
class ArithmeticStepsConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new ArithmeticStepsReward();
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
