package org.sparsa.core.task.internal;

/**
 * Lenient reading of short free-text answers for exact-match metrics: what surrounds an answer
 * without being part of it (white space, a trailing full stop, runs of spaces) is ignored, so a
 * model is not marked wrong for ending its sentence.
 */
final class AnswerText {
    private AnswerText() {
    }

    /** {@code text} stripped, inner white space collapsed, trailing full stops dropped. */
    static String normalize(String text) {
        String out = (text == null ? "" : text).strip().replaceAll("\\s+", " ");
        while (out.endsWith(".")) {
            out = out.substring(0, out.length() - 1).stripTrailing();
        }
        return out;
    }

    /** Whether the normalized {@code completion} equals the normalized {@code reference}. */
    static boolean matches(String completion, String reference) {
        String answer = normalize(completion);
        return !answer.isEmpty() && answer.equals(normalize(reference));
    }

    /**
     * Whether {@code completion} holds {@code reference} as a whole: not glued to a letter or
     * digit on either side, so passkey 123 is not found in 51234.
     */
    static boolean contains(String completion, String reference) {
        String text = normalize(completion);
        String wanted = normalize(reference);
        if (wanted.isEmpty()) {
            return false;
        }
        for (int at = text.indexOf(wanted); at >= 0; at = text.indexOf(wanted, at + 1)) {
            int end = at + wanted.length();
            boolean before = at == 0 || !Character.isLetterOrDigit(text.codePointBefore(at));
            boolean after = end == text.length() || !Character.isLetterOrDigit(text.codePointAt(end));
            if (before && after) {
                return true;
            }
        }
        return false;
    }
}
