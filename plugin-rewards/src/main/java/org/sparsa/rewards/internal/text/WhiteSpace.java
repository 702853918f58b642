package org.sparsa.rewards.internal.text;

/**
 * What the rewards count as white space: Java white space plus the Unicode space separators
 * (no-break spaces included), since models emit both around answers.
 */
public final class WhiteSpace {
    private WhiteSpace() {
    }

    /** Whether the code point {@code cp} is white space. */
    public static boolean is(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    /** Whether {@code text} is empty or holds only white space. */
    public static boolean isBlank(CharSequence text) {
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            if (!is(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /** The index of the first code point at or after {@code from} that is not white space. */
    public static int skip(CharSequence text, int from) {
        int i = from;
        while (i < text.length()) {
            int cp = Character.codePointAt(text, i);
            if (!is(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }
}
