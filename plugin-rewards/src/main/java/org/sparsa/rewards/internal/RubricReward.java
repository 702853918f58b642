package org.sparsa.rewards.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;

/**
 * The rubric reward of V3.2's general tasks: a judge scores each rubric item the prompt carries
 * and the reward is their weighted mean; see {@link RubricRewardFunction}. The judge is itself a
 * plugin, found through {@link RewardContext#judge(String, PluginConfig)} by the {@code judge} id
 * (default {@code rule}, the rule-based judge) and configured with {@code judge_config}; an
 * {@code rl} stage's context also knows the judge {@code model}, a language model the run
 * trained. An unknown judge id is reported as a configuration error on the {@code judge} key.
 */
@Component(service = RewardModel.class)
@PluginInfo(kind = PluginKind.REWARD, id = "rubric",
        description = "Weighted mean of a judge's scores over the prompt's rubric items; counts"
                + " unparsed judgements in the rubric.unparsed component",
        config = {"judge:string=rule - id of the judge that scores each rubric item: a judge"
                + " plugin, or model (a language model the run trained) in an rl stage",
                "judge_config:map - configuration handed to the judge"})
public final class RubricReward implements RewardModel {
    static final String JUDGE = "judge";
    static final String JUDGE_CONFIG = "judge_config";

    @Override
    public RewardFunction create(PluginConfig config, RewardContext context) {
        config.requireOnly(List.of(JUDGE, JUDGE_CONFIG));
        String judgeId = config.string(JUDGE, "rule").trim();
        PluginConfig judgeConfig = config.section(JUDGE_CONFIG);
        JudgeFunction judge;
        try {
            judge = context.judge(judgeId, judgeConfig);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.origin(), JUDGE, e.getMessage());
        }
        return new RubricRewardFunction(judge);
    }
}
