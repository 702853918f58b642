package org.sparsa.rewards.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;

/**
 * Kimi k1.5's length reward, computed over the group of completions of one prompt; see
 * {@link LengthRewardFunction}. No configuration.
 */
@Component(service = RewardModel.class)
@PluginInfo(kind = PluginKind.REWARD, id = "length",
        description = "Kimi k1.5 group length reward: 0.5 - (L - min) / (max - min) for correct"
                + " completions, min(0, that) for incorrect ones, 0 when all lengths are equal",
        config = {})
public final class LengthReward implements RewardModel {

    @Override
    public RewardFunction create(PluginConfig config, RewardContext context) {
        config.requireOnly(List.of());
        return new LengthRewardFunction();
    }
}
