package org.sparsa.rewards.internal.judge;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.Judge;
import org.sparsa.api.reward.JudgeFunction;

/**
 * The rule-based judge: each rubric criterion is one rule, checked against the completion's
 * answer region (the text after the last {@code </think>}, else the whole text). A rule scores
 * 1 when it holds, else 0.
 *
 * <h2>Rule language</h2>
 * A criterion is {@code rule: argument}. The rule name is matched case-insensitively; the argument
 * is the rest of the criterion with surrounding white space trimmed (use a regex with {@code \s}
 * to test for spaces at its ends) and must not be empty.
 * <ul>
 * <li>{@code contains: TEXT} - the region contains TEXT; {@code icontains: TEXT} ignores case
 * (both sides lower-cased in the root locale).</li>
 * <li>{@code not_contains: TEXT}, {@code not_icontains: TEXT} - the region does not contain TEXT.</li>
 * <li>{@code equals: TEXT}, {@code iequals: TEXT} - the answer equals TEXT as the accuracy reward
 * compares them: the answer is the last {@code \boxed{...}} of the region when there is one, else
 * the whole region; both sides are trimmed of white space, {@code $} and trailing dots; exact
 * rationals compare as numbers ({@code equals: 0.5} accepts {@code 1/2}), anything else as
 * strings.</li>
 * <li>{@code regex: PATTERN} - {@link java.util.regex.Pattern} syntax, found anywhere in the region
 * (flags inline, e.g. {@code (?i)}).</li>
 * <li>{@code numeric: VALUE} or {@code numeric: VALUE ± TOL} ({@code +-} and {@code +/-} also
 * work) - the last decimal number in the region lies within TOL (default 0) of VALUE.</li>
 * <li>{@code max_length: N} - the region is at most N code points long, untrimmed.</li>
 * </ul>
 * A criterion without a colon, an unknown rule, an empty argument, a pattern that does not compile
 * or a value that does not parse is judged {@link org.sparsa.api.reward.Judgement#unparsed}: it
 * scores 0 and the rubric reward counts it.
 *
 * <h2>Regex safety</h2>
 * Patterns come from rubrics and text from the policy, so a pattern like {@code (a+)+$} meeting
 * the wrong text could backtrack for ever. The regex reads the region through a
 * {@link BudgetedCharSequence} that allows at most {@code regex_budget} character reads per
 * criterion; a match that runs out, or that overflows the stack (Java's regex engine recurses on
 * repetitions of groups), gives up and is judged unparsed, with the reason in the rationale. A
 * read budget is deterministic where a clock is not: the same text and rule always give the same
 * verdict. The default of ten million reads costs at most about a tenth of a second and is far
 * more than an ordinary pattern needs on a long answer. (Java 17 already tames some nested
 * quantifiers such as {@code (a+)+$} to quadratic time, but not all: {@code (.*a){12}b} stays
 * exponential, and quadratic is still too slow on a megabyte.)
 */
@Component(service = Judge.class)
@PluginInfo(kind = PluginKind.JUDGE, id = "rule",
        description = "Rule-based judge: criteria such as contains:, not_contains:, equals:,"
                + " regex:, numeric: and max_length: checked against the answer region",
        config = {"regex_budget:int=10000000 - most characters a regex criterion may read before"
                + " it gives up and is judged unparsed"})
public final class RuleJudge implements Judge {
    static final String REGEX_BUDGET = "regex_budget";
    static final long DEFAULT_REGEX_BUDGET = 10_000_000L;

    @Override
    public JudgeFunction create(PluginConfig config) {
        config.requireOnly(List.of(REGEX_BUDGET));
        long budget = config.integer(REGEX_BUDGET, DEFAULT_REGEX_BUDGET);
        if (budget <= 0) {
            throw new ConfigException(config.origin(), REGEX_BUDGET,
                    "expected a number of reads > 0, found " + budget);
        }
        return new RuleJudgeFunction(budget);
    }
}
