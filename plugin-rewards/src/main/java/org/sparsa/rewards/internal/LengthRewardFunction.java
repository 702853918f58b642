package org.sparsa.rewards.internal;

import java.util.ArrayList;
import java.util.List;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.rewards.internal.text.AccuracyRule;

/**
 * Kimi k1.5's length reward over one group. With {@code L} each completion's length in tokens
 * (UTF-8 bytes when unknown), {@code min} and {@code max} over the group:
 * {@code lambda = 0.5 - (L - min) / (max - min)}; a correct completion gets {@code lambda}, an
 * incorrect one {@code min(0, lambda)}; when all lengths are equal every completion gets 0, so a
 * completion scored alone (a group of one) gets 0.
 *
 * <p>Correctness is {@link Completion#correct()} when the task or an earlier reward set it,
 * else the accuracy rule against the completion's own reference (no reference: incorrect).
 * Stateless, so safe from several threads.
 */
final class LengthRewardFunction implements RewardFunction {

    @Override
    public RewardResult score(Completion completion) {
        return scoreGroup(List.of(completion)).get(0);
    }

    @Override
    public List<RewardResult> scoreGroup(List<Completion> group) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Completion completion : group) {
            min = Math.min(min, completion.lengthTokensOrBytes());
            max = Math.max(max, completion.lengthTokensOrBytes());
        }
        List<RewardResult> out = new ArrayList<>(group.size());
        for (Completion completion : group) {
            if (min == max) {
                out.add(RewardResult.of(0.0));
                continue;
            }
            double lambda = 0.5 - (double) (completion.lengthTokensOrBytes() - min) / (max - min);
            out.add(RewardResult.of(isCorrect(completion) ? lambda : Math.min(0.0, lambda)));
        }
        return out;
    }

    @Override
    public boolean groupLevel() {
        return true;
    }

    private static boolean isCorrect(Completion completion) {
        return completion.correct()
                .orElseGet(() -> AccuracyRule.isCorrect(completion.text(), completion.reference()));
    }
}
