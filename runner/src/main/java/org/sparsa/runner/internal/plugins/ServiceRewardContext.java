package org.sparsa.runner.internal.plugins;

import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.Judge;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;

/** Makes rewards and judges from the plugin services registered in the framework. */
public final class ServiceRewardContext implements RewardContext {
    private final PluginSource services;

    public ServiceRewardContext(PluginSource services) {
        this.services = services;
    }

    @Override
    public RewardFunction reward(String id, PluginConfig config) {
        return services.get(PluginKind.REWARD, id, RewardModel.class).create(config, this);
    }

    @Override
    public JudgeFunction judge(String id, PluginConfig config) {
        return services.get(PluginKind.JUDGE, id, Judge.class).create(config);
    }
}
