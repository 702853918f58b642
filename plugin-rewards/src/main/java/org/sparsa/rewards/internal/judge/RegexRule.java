package org.sparsa.rewards.internal.judge;

import java.util.regex.Pattern;
import org.sparsa.api.reward.Judgement;

/**
 * {@code regex:}: whether {@code pattern} is found anywhere in the region. The region is read
 * through a {@link BudgetedCharSequence}, so catastrophic backtracking ends after
 * {@code budget} character reads; that, or a stack overflow in the recursive regex engine, is
 * judged unparsed rather than scored, since the rule could not be decided.
 *
 * @param pattern the compiled pattern
 * @param budget the most character reads one match may spend
 */
record RegexRule(Pattern pattern, long budget) implements RuleCriterion {

    @Override
    public Judgement judge(String region) {
        String shown = RuleCriterion.quote(pattern.pattern());
        try {
            boolean found = pattern.matcher(new BudgetedCharSequence(region, budget)).find();
            return new Judgement(found ? 1 : 0, true, (found ? "matches " : "does not match ") + shown);
        } catch (BudgetedCharSequence.BudgetExhausted e) {
            return Judgement.unparsed("regex " + shown + " gave up after " + budget
                    + " character reads");
        } catch (StackOverflowError e) {
            return Judgement.unparsed("regex " + shown + " overflowed the stack on a text of "
                    + region.length() + " characters");
        }
    }
}
