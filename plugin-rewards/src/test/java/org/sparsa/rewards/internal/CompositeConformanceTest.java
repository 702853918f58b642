package org.sparsa.rewards.internal;

import java.util.List;
import java.util.Map;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/**
 * The {@code composite} reward over accuracy, format (weight 0.5), the group-level length
 * reward and the overlong penalty: its range is the weighted sum of theirs,
 * [0 + 0 - 0.5 - 1, 1 + 0.5 + 0.5 + 0].
 */
class CompositeConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new CompositeReward();
    }

    @Override
    protected PluginConfig config() {
        return PluginConfig.of(Map.of("components", List.of(
                Map.of("reward", "accuracy"),
                Map.of("reward", "format", "weight", 0.5),
                Map.of("reward", "length"),
                Map.of("reward", "overlong", "config", Map.of("max_len", 4096, "cache", 1024)))),
                "composite conformance");
    }

    @Override
    protected RewardContext context() {
        return new TestRewardContext();
    }

    @Override
    protected double minimum() {
        return -1.5;
    }

    @Override
    protected double maximum() {
        return 2;
    }
}
