package org.sparsa.rewards.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

/**
 * A rule-based process reward for worked arithmetic: the fraction of the reasoning's steps that
 * are right. The outcome reward ({@code accuracy}) gives nothing to a completion whose first
 * step is right and second wrong; this one gives it half, so that reinforcement learning gets a
 * signal for every step it samples right.
 *
 * <ol>
 *   <li>The reasoning is the text between the first {@code <think>} and the {@code </think>}
 *       after it; without both there are no steps and the score is 0.</li>
 *   <li>A step is an equation {@code a op b = c} of integers with {@code op} one of
 *       {@code + - *} (white space allowed around each part, at most 18 digits a number).</li>
 *   <li>A step is right when {@code a op b} equals {@code c} exactly and, after the first, when
 *       {@code a} is the previous step's {@code c}: a chain of steps, as the arithmetic task
 *       works its problems.</li>
 *   <li>The score is the right steps over the steps expected: the steps written, or the
 *       reference's steps when it has more (so leaving steps out does not pay).</li>
 * </ol>
 */
@Component(service = RewardModel.class)
@PluginInfo(kind = PluginKind.REWARD, id = "arithmetic_steps",
        description = "the fraction of the <think> steps 'a op b = c' that are right and chained"
                + " from the previous step, over the steps written or the reference's if more",
        config = {})
public final class ArithmeticStepsReward implements RewardModel {
    private static final String NUMBER = "(-?\\d{1,18})";
    private static final Pattern STEP = Pattern.compile(
            NUMBER + "\\s*([+*-])\\s*(\\d{1,18})\\s*=\\s*" + "(-?\\d{1,37})");

    @Override
    public RewardFunction create(PluginConfig config, RewardContext context) {
        config.requireOnly(List.of());
        return ArithmeticStepsReward::score;
    }

    private static RewardResult score(Completion completion) {
        List<Step> written = steps(completion.text());
        int expected = Math.max(written.size(),
                completion.reference().map(reference -> steps(reference).size()).orElse(0));
        if (expected == 0) {
            return RewardResult.of(0.0);
        }
        int right = 0;
        for (int i = 0; i < written.size(); i++) {
            Step step = written.get(i);
            boolean chained = i == 0 || step.left().equals(written.get(i - 1).result());
            if (chained && step.holds()) {
                right++;
            }
        }
        return RewardResult.of((double) right / expected);
    }

    /** The steps of the reasoning of {@code text}, in order; none without a reasoning. */
    static List<Step> steps(String text) {
        int open = text.indexOf(ThinkTags.OPEN);
        int close = open < 0 ? -1 : text.indexOf(ThinkTags.CLOSE, open + ThinkTags.OPEN.length());
        List<Step> out = new ArrayList<>();
        if (close < 0) {
            return out;
        }
        Matcher matcher = STEP.matcher(text).region(open + ThinkTags.OPEN.length(), close);
        while (matcher.find()) {
            out.add(new Step(new BigInteger(matcher.group(1)), matcher.group(2).charAt(0),
                    new BigInteger(matcher.group(3)), new BigInteger(matcher.group(4))));
        }
        return out;
    }

    /** One written equation {@code left op right = result}. */
    record Step(BigInteger left, char op, BigInteger right, BigInteger result) {
        boolean holds() {
            BigInteger value = switch (op) {
                case '+' -> left.add(right);
                case '-' -> left.subtract(right);
                default -> left.multiply(right);
            };
            return value.equals(result);
        }
    }
}
