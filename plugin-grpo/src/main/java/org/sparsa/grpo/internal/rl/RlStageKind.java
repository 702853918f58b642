package org.sparsa.grpo.internal.rl;

import static org.sparsa.grpo.internal.rl.RlConfig.*;

import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.api.reward.Judge;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageKind;

/**
 * {@code rl}: GRPO-family reinforcement learning ({@link RlStage}). The policy objective and
 * the reward models are plugins named in the stage's keys; Declarative Services hands this
 * component every one registered, by plugin id, as they come and go. A rubric reward's judge
 * {@code model} is no plugin: each stage makes it ({@link StageRewardContext}).
 */
@Component(service = StageKind.class)
@PluginInfo(kind = PluginKind.STAGE, id = "rl",
        description = "GRPO-family RL: sample groups with the KV cache, score them with reward"
                + " models, update the policy minibatch by minibatch (Keep Sampling Mask, Keep"
                + " Routing, off-policy masking, dynamic sampling)",
        config = {POLICY_DECLARATION, REWARDS_DECLARATION, GROUP_SIZE_DECLARATION,
            MAX_NEW_TOKENS_DECLARATION, TEMPERATURE_DECLARATION, TOP_P_DECLARATION,
            TOP_K_DECLARATION, MINIBATCHES_DECLARATION, KEEP_SAMPLING_MASK_DECLARATION,
            KEEP_ROUTING_DECLARATION, REFERENCE_REFRESH_DECLARATION,
            DYNAMIC_SAMPLING_DECLARATION, MAX_RESAMPLE_DECLARATION, OVERLONG_MASK_DECLARATION,
            EVAL_EXAMPLES_DECLARATION, EVAL_MAX_NEW_TOKENS_DECLARATION})
public final class RlStageKind implements StageKind {
    private final PluginRegistry plugins = new PluginRegistry();

    @Override
    public Stage create(PluginConfig config) {
        return new RlStage(RlConfig.read(config), plugins);
    }

    /** The plugins stages of this kind look objectives and rewards up in. */
    PluginRegistry plugins() {
        return plugins;
    }

    @Reference(service = PolicyObjective.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removeObjective")
    void addObjective(PolicyObjective objective, Map<String, Object> properties) {
        plugins.addObjective(PluginRegistry.id(properties), objective);
    }

    void removeObjective(PolicyObjective objective, Map<String, Object> properties) {
        plugins.removeObjective(PluginRegistry.id(properties), objective);
    }

    @Reference(service = RewardModel.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removeReward")
    void addReward(RewardModel reward, Map<String, Object> properties) {
        plugins.addReward(PluginRegistry.id(properties), reward);
    }

    void removeReward(RewardModel reward, Map<String, Object> properties) {
        plugins.removeReward(PluginRegistry.id(properties), reward);
    }

    @Reference(service = Judge.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removeJudge")
    void addJudge(Judge judge, Map<String, Object> properties) {
        plugins.addJudge(PluginRegistry.id(properties), judge);
    }

    void removeJudge(Judge judge, Map<String, Object> properties) {
        plugins.removeJudge(PluginRegistry.id(properties), judge);
    }
}
