package org.sparsa.rewards.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.Judgement;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.reward.RubricItem;

/**
 * A configured rubric reward: value = sum(weight * score) / sum(weight) over the completion's
 * rubric items; 0 when there are no items or their weights sum to 0. Every item is judged, those
 * of weight 0 included, so that the {@code rubric.unparsed} component (the number of judgements
 * the judge could not parse, which score 0) counts all of them; {@code rubric.items} is the
 * number of items. Weights are divided by the largest one first, so that huge finite weights
 * cannot overflow the sum into infinity. Safe from several threads when the judge is.
 */
final class RubricRewardFunction implements RewardFunction {
    static final String UNPARSED = "rubric.unparsed";
    static final String ITEMS = "rubric.items";

    private final JudgeFunction judge;

    RubricRewardFunction(JudgeFunction judge) {
        this.judge = judge;
    }

    @Override
    public RewardResult score(Completion completion) {
        List<RubricItem> rubric = completion.rubric();
        double largestWeight = 0.0;
        for (RubricItem item : rubric) {
            largestWeight = Math.max(largestWeight, item.weight());
        }
        double weightedScores = 0.0;
        double totalWeight = 0.0;
        int unparsed = 0;
        for (RubricItem item : rubric) {
            Judgement judgement = judge.judge(item, completion);
            if (!judgement.parsed()) {
                unparsed++;
            }
            if (largestWeight > 0) {
                double weight = item.weight() / largestWeight;
                weightedScores += weight * judgement.score();
                totalWeight += weight;
            }
        }
        Map<String, Double> components = new LinkedHashMap<>();
        components.put(UNPARSED, (double) unparsed);
        components.put(ITEMS, (double) rubric.size());
        double value = totalWeight > 0 ? weightedScores / totalWeight : 0.0;
        return new RewardResult(value, components);
    }
}
