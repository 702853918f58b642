package org.sparsa.rewards.internal.judge;

import org.sparsa.api.reward.Judgement;
import org.sparsa.rewards.internal.text.AnswerEquality;
import org.sparsa.rewards.internal.text.BoxedAnswer;

/**
 * {@code equals:} and {@code iequals:}: whether the answer equals {@code expected} as the accuracy
 * reward compares answers ({@link AnswerEquality}). The answer is the last boxed answer of the
 * region when there is one, else the whole region, so the rule serves boxed maths answers and
 * plain short answers alike.
 *
 * @param expected the expected answer
 * @param ignoreCase whether a string comparison ignores case
 */
record EqualsRule(String expected, boolean ignoreCase) implements RuleCriterion {

    @Override
    public Judgement judge(String region) {
        String answer = BoxedAnswer.lastIn(region).orElse(region);
        boolean equal = AnswerEquality.matches(answer, expected, ignoreCase);
        return new Judgement(equal ? 1 : 0, true, (equal ? "answer equals " : "answer differs from ")
                + RuleCriterion.quote(expected));
    }
}
