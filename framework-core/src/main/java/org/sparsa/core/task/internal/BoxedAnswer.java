package org.sparsa.core.task.internal;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Reads the final {@code \boxed{...}} answer of a completion the way the {@code accuracy} reward
 * does, so that a task's exact match and that reward agree: the answer region is the text after
 * the last {@code </think>}; its last box opening, braces balanced, holds the answer (none when
 * it never closes); white space and {@code $} around it and trailing dots are dropped; numbers
 * compare by value ({@code 12.0} equals {@code 12}). A reference that holds a box is read the
 * same way: its final answer is what the completion's must equal.
 */
final class BoxedAnswer {
    private static final String OPEN = "\\boxed{";
    private static final String THINK_CLOSE = "</think>";

    private BoxedAnswer() {
    }

    /** The trimmed content of the last box in the answer region, when there is one. */
    static Optional<String> of(String completion) {
        String text = completion == null ? "" : completion;
        int close = text.lastIndexOf(THINK_CLOSE);
        String region = close < 0 ? text : text.substring(close + THINK_CLOSE.length());
        int open = region.lastIndexOf(OPEN);
        if (open < 0) {
            return Optional.empty();
        }
        int depth = 1;
        for (int i = open + OPEN.length(); i < region.length(); i++) {
            char c = region.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return Optional.of(trim(region.substring(open + OPEN.length(), i)));
            }
        }
        return Optional.empty();
    }

    /** Whether the boxed answer of {@code completion} equals {@code reference}. */
    static boolean matches(String completion, String reference) {
        Optional<String> answer = of(completion);
        if (answer.isEmpty() || answer.get().isEmpty()) {
            return false;
        }
        // A formatted reference (a worked solution) is compared by its own final answer.
        String expected = reference.contains(OPEN) ? of(reference).orElse("") : trim(reference);
        if (answer.get().equals(expected)) {
            return true;
        }
        try {
            return new BigDecimal(answer.get()).compareTo(new BigDecimal(expected)) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String trim(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && (Character.isWhitespace(text.charAt(start))
                || text.charAt(start) == '$')) {
            start++;
        }
        while (end > start && (Character.isWhitespace(text.charAt(end - 1))
                || text.charAt(end - 1) == '$' || text.charAt(end - 1) == '.')) {
            end--;
        }
        return text.substring(start, end);
    }
}
