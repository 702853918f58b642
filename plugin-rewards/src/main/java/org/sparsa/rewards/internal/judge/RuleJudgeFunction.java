package org.sparsa.rewards.internal.judge;

import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.Judgement;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RubricItem;
import org.sparsa.rewards.internal.text.AnswerRegion;

/**
 * A configured rule judge: parses the item's criterion ({@link RuleCriterion#parse}) and checks it
 * against the completion's answer region. A criterion that does not parse is judged unparsed.
 * Immutable, so safe from several threads.
 */
final class RuleJudgeFunction implements JudgeFunction {
    private final long regexBudget;

    RuleJudgeFunction(long regexBudget) {
        this.regexBudget = regexBudget;
    }

    @Override
    public Judgement judge(RubricItem item, Completion completion) {
        RuleCriterion criterion;
        try {
            criterion = RuleCriterion.parse(item.criterion(), regexBudget);
        } catch (IllegalArgumentException e) {
            return Judgement.unparsed(e.getMessage());
        }
        return criterion.judge(AnswerRegion.of(completion.text()));
    }
}
