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
import org.sparsa.rewards.internal.text.ThinkTags;
import org.sparsa.rewards.internal.text.WhiteSpace;

/**
 * R1's format reward: 1.0 iff the text is {@code <think>} + reasoning + {@code </think>} + a
 * non-blank answer, with exactly one of each tag and the {@code <think>} first (after optional
 * white space); else 0.0. The reasoning may be empty: the spec asks only for a non-blank answer.
 * Tags match exactly (lower case).
 */
@Component(service = RewardModel.class)
@PluginInfo(kind = PluginKind.REWARD, id = "format",
        description = "1 when the text is <think>reasoning</think> followed by a non-blank answer,"
                + " with exactly one of each tag, else 0",
        config = {})
public final class FormatReward implements RewardModel {

    @Override
    public RewardFunction create(PluginConfig config, RewardContext context) {
        config.requireOnly(List.of());
        return completion -> RewardResult.of(isWellFormed(completion) ? 1.0 : 0.0);
    }

    private static boolean isWellFormed(Completion completion) {
        String text = completion.text();
        if (!text.startsWith(ThinkTags.OPEN, WhiteSpace.skip(text, 0))) {
            return false;
        }
        if (ThinkTags.count(text, ThinkTags.OPEN, 2) != 1
                || ThinkTags.count(text, ThinkTags.CLOSE, 2) != 1) {
            return false;
        }
        // "</think>" cannot start inside the leading "<think>", so the one close follows the open.
        String answer = text.substring(text.indexOf(ThinkTags.CLOSE) + ThinkTags.CLOSE.length());
        return !WhiteSpace.isBlank(answer);
    }
}
