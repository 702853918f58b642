package org.sparsa.rewards.internal.judge;

import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Pattern;
import org.sparsa.api.reward.Judgement;
import org.sparsa.rewards.internal.text.NumberTokens;

/**
 * One parsed rubric criterion of the rule language described on {@link RuleJudge}; it judges an
 * answer region.
 */
interface RuleCriterion {

    /** Judges {@code region}, the answer region of a completion; never throws. */
    Judgement judge(String region);

    /**
     * Parses {@code criterion}.
     *
     * @param regexBudget the character reads a {@code regex:} rule may spend
     * @throws IllegalArgumentException saying why when the criterion is malformed or unknown
     */
    static RuleCriterion parse(String criterion, long regexBudget) {
        int colon = criterion.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("criterion " + quote(criterion)
                    + " is not of the form 'rule: argument'");
        }
        String rule = criterion.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String argument = criterion.substring(colon + 1).trim();
        if (argument.isEmpty()) {
            throw new IllegalArgumentException("rule '" + rule + "' has no argument");
        }
        switch (rule) {
            case "contains":
                return new ContainsRule(argument, false, false);
            case "icontains":
                return new ContainsRule(argument, true, false);
            case "not_contains":
                return new ContainsRule(argument, false, true);
            case "not_icontains":
                return new ContainsRule(argument, true, true);
            case "equals":
                return new EqualsRule(argument, false);
            case "iequals":
                return new EqualsRule(argument, true);
            case "regex":
                return regex(argument, regexBudget);
            case "numeric":
                return numeric(argument);
            case "max_length":
                return maxLength(argument);
            default:
                throw new IllegalArgumentException("unknown rule " + quote(rule)
                        + "; expected contains, icontains, not_contains, not_icontains, equals,"
                        + " iequals, regex, numeric or max_length");
        }
    }

    private static RuleCriterion regex(String argument, long regexBudget) {
        try {
            return new RegexRule(Pattern.compile(argument), regexBudget);
        } catch (StackOverflowError e) {
            // Compiling recurses on nesting; an absurdly nested pattern is a malformed criterion.
            throw new IllegalArgumentException("regex: pattern is nested too deeply to compile");
        }
    }

    private static RuleCriterion numeric(String argument) {
        String value = argument;
        String tolerance = "0";
        for (String separator : new String[] {"±", "+/-", "+-"}) {
            int at = argument.indexOf(separator);
            if (at >= 0) {
                value = argument.substring(0, at).trim();
                tolerance = argument.substring(at + separator.length()).trim();
                break;
            }
        }
        OptionalDouble v = NumberTokens.whole(value);
        OptionalDouble tol = NumberTokens.whole(tolerance);
        if (v.isEmpty() || !Double.isFinite(v.getAsDouble())) {
            throw new IllegalArgumentException("numeric: value " + quote(value) + " is not a number");
        }
        if (tol.isEmpty() || !(tol.getAsDouble() >= 0) || Double.isInfinite(tol.getAsDouble())) {
            throw new IllegalArgumentException("numeric: tolerance " + quote(tolerance)
                    + " is not a finite number >= 0");
        }
        return new NumericRule(v.getAsDouble(), tol.getAsDouble());
    }

    private static RuleCriterion maxLength(String argument) {
        if (argument.length() > 10 || !argument.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("max_length: " + quote(argument)
                    + " is not a whole number of code points");
        }
        return new MaxLengthRule(Long.parseLong(argument));
    }

    /** {@code text} in quotes, shortened for rationales. */
    static String quote(String text) {
        return "'" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "'";
    }
}
