package org.sparsa.rewards.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.rewards.internal.text.AccuracyRule;

/**
 * The rule-based outcome reward: 1.0 when the last {@code \boxed{...}} of the answer region equals
 * the reference, else 0.0. The steps live in {@link AccuracyRule}: the answer region is the text
 * after the last {@code </think>} (else all of it); the answer is the content of the last box,
 * braces balanced (an unclosed last box is no answer); answer and reference are trimmed of white
 * space, {@code $} and trailing dots; they are equal as exact rationals when both parse as one
 * ({@code 0.5 == 1/2 == .50}), else as strings. A completion without a reference scores 0.0.
 */
@Component(service = RewardModel.class)
@PluginInfo(kind = PluginKind.REWARD, id = "accuracy",
        description = "1 when the last \\boxed{} answer after </think> equals the reference"
                + " (exact rationals compared as numbers, else as strings), else 0",
        config = {})
public final class AccuracyReward implements RewardModel {

    @Override
    public RewardFunction create(PluginConfig config, RewardContext context) {
        config.requireOnly(List.of());
        return AccuracyReward::score;
    }

    private static RewardResult score(Completion completion) {
        return RewardResult.of(AccuracyRule.isCorrect(completion.text(), completion.reference())
                ? 1.0 : 0.0);
    }
}
