package org.sparsa.rewards.internal.text;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether an answer equals a reference: both are trimmed ({@link AnswerTrimming}); when both then
 * parse as exact rationals they are compared as numbers, otherwise as strings. An answer that is
 * empty after trimming never matches, since a blank box says nothing.
 */
public final class AnswerEquality {
    private AnswerEquality() {
    }

    /** Case-sensitive comparison, as the accuracy reward uses. */
    public static boolean matches(String answer, String reference) {
        return matches(answer, reference, false);
    }

    /**
     * Compares {@code answer} with {@code reference}; with {@code ignoreCase} the string comparison
     * lower-cases both sides in the root locale (numbers are unaffected).
     */
    public static boolean matches(String answer, String reference, boolean ignoreCase) {
        String a = AnswerTrimming.trim(answer);
        String b = AnswerTrimming.trim(reference);
        if (a.isEmpty()) {
            return false;
        }
        Optional<ExactRational> x = ExactRational.parse(a);
        Optional<ExactRational> y = ExactRational.parse(b);
        if (x.isPresent() && y.isPresent()) {
            return x.get().sameValueAs(y.get());
        }
        return ignoreCase
                ? a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT))
                : a.equals(b);
    }
}
