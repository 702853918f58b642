package org.sparsa.rewards.internal;

import java.util.Map;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.testkit.conformance.RewardModelConformance;

/**
 * The {@code overlong} reward, DAPO's soft penalty between 0 and -1, with a limit short enough
 * that the suite's huge texts fall on the ramp and beyond it.
 */
class OverlongConformanceTest extends RewardModelConformance {

    @Override
    protected RewardModel model() {
        return new OverlongReward();
    }

    @Override
    protected PluginConfig config() {
        return PluginConfig.of(Map.of("max_len", 4096, "cache", 1024), "overlong conformance");
    }

    @Override
    protected double minimum() {
        return -1;
    }

    @Override
    protected double maximum() {
        return 0;
    }
}
