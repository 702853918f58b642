package org.sparsa.rewards.internal;

import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/** The {@code language_consistency} reward, the share of the reasoning's words in the target script, against the reward conformance suite. */
class LanguageConsistencyConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new LanguageConsistencyReward();
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
