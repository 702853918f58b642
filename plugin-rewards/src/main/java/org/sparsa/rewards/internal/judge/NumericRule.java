package org.sparsa.rewards.internal.judge;

import java.util.OptionalDouble;
import org.sparsa.api.reward.Judgement;
import org.sparsa.rewards.internal.text.NumberTokens;

/**
 * {@code numeric: VALUE ± TOL}: whether the last decimal number in the region
 * ({@link NumberTokens#last}) lies within {@code tolerance} of {@code value}, both ends included.
 * A region without a number does not hold.
 *
 * @param value the expected value
 * @param tolerance the largest accepted absolute difference, at least 0
 */
record NumericRule(double value, double tolerance) implements RuleCriterion {

    @Override
    public Judgement judge(String region) {
        OptionalDouble last = NumberTokens.last(region);
        if (last.isEmpty()) {
            return new Judgement(0, true, "no number in the answer");
        }
        boolean within = Math.abs(last.getAsDouble() - value) <= tolerance;
        return new Judgement(within ? 1 : 0, true, "last number " + last.getAsDouble()
                + (within ? " is" : " is not") + " within " + tolerance + " of " + value);
    }
}
