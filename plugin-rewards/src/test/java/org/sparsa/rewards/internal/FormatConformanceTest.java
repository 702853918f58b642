package org.sparsa.rewards.internal;

import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/** The {@code format} reward, 1 for a well-formed reasoning-then-answer layout, else 0, against the reward conformance suite. */
class FormatConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new FormatReward();
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
