package org.sparsa.runner.internal.sweep;

import java.util.regex.Pattern;

/**
 * Quotes text as one bash word, the single-quote way: inside single quotes nothing is special
 * (no {@code $}, backslash, glob or brace expansion), so only a single quote itself needs care.
 * Used for every value that generated scripts take from a recipe, an override or a path.
 */
public final class ShellQuote {
    /** Text that bash reads as itself, one word, without quotes. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9/._=+,:@%-]+");

    private ShellQuote() {}

    /**
     * {@code text} as one bash word: {@code 'text'}, each single quote in it written as
     * {@code '\''} (close the quote, an escaped quote, open it again).
     */
    public static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /**
     * {@code text} as one bash word, left as it is when bash reads it so (as in a command shown
     * to the user), else {@linkplain #quote quoted}.
     */
    public static String asWord(String text) {
        return PLAIN.matcher(text).matches() ? text : quote(text);
    }
}
