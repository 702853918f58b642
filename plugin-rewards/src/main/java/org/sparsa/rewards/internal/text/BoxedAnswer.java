package org.sparsa.rewards.internal.text;

import java.util.Optional;

/**
 * The content of the last {@code \boxed{...}} in a text, braces balanced.
 *
 * <p>"Last" is the last opening <code>\boxed&#123;</code>: a box nested in another yields the inner one, and
 * when that last opening never closes there is no answer at all (an earlier, closed box does not
 * stand in for it, since the model's final word is the unfinished one). Every raw brace counts,
 * escaped ones (<code>\&#123;</code>) included, as the common reference graders do; in
 * well-formed LaTeX the escaped braces balance anyway. The scan is one forward pass from the
 * opening, so a megabyte of braces costs a megabyte of steps.
 */
public final class BoxedAnswer {
    private static final String OPEN = "\\boxed{";

    private BoxedAnswer() {
    }

    /** The content of the last box in {@code text}, or empty when there is none or it never closes. */
    public static Optional<String> lastIn(String text) {
        int open = text.lastIndexOf(OPEN);
        if (open < 0) {
            return Optional.empty();
        }
        int contentStart = open + OPEN.length();
        int depth = 1;
        for (int i = contentStart; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return Optional.of(text.substring(contentStart, i));
                }
            }
        }
        return Optional.empty();
    }
}
