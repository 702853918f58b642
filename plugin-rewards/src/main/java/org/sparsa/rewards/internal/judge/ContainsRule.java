package org.sparsa.rewards.internal.judge;

import java.util.Locale;
import org.sparsa.api.reward.Judgement;

/**
 * {@code contains:}, {@code icontains:}, {@code not_contains:} and {@code not_icontains:}: whether
 * the region holds {@code text}, optionally ignoring case (both sides lower-cased in the root
 * locale) and optionally negated.
 *
 * @param text the text looked for
 * @param ignoreCase whether case is ignored
 * @param negated whether the rule holds when the text is absent
 */
record ContainsRule(String text, boolean ignoreCase, boolean negated) implements RuleCriterion {

    @Override
    public Judgement judge(String region) {
        boolean found = ignoreCase
                ? region.toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT))
                : region.contains(text);
        boolean holds = found != negated;
        return new Judgement(holds ? 1 : 0, true, (found ? "contains " : "does not contain ")
                + RuleCriterion.quote(text));
    }
}
