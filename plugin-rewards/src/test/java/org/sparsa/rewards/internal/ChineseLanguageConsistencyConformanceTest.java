package org.sparsa.rewards.internal;

import java.util.Map;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/** The {@code language_consistency} reward with target {@code zh} (Han script). */
class ChineseLanguageConsistencyConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new LanguageConsistencyReward();
    }

    @Override
    protected PluginConfig config() {
        return PluginConfig.of(Map.of("target", "zh"), "language_consistency conformance");
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
