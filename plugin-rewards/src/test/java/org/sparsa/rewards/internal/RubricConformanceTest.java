package org.sparsa.rewards.internal;

import java.util.Map;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/**
 * The {@code rubric} reward with the {@code rule} judge, a weighted mean of judgements in
 * [0, 1]. The regex budget is smaller than the default to keep the sweep of hostile texts
 * fast; the default budget on hostile text is checked in {@link AdversarialInputTest}.
 */
class RubricConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new RubricReward();
    }

    @Override
    protected PluginConfig config() {
        return PluginConfig.of(Map.of("judge_config", Map.of("regex_budget", 1_000_000)),
                "rubric conformance");
    }

    @Override
    protected RewardContext context() {
        return new TestRewardContext();
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
