package org.sparsa.rewards.internal.text;

/** The reasoning delimiters, matched exactly (lower case, no attributes). */
public final class ThinkTags {
    /** Opens the reasoning. */
    public static final String OPEN = "<think>";
    /** Closes the reasoning. */
    public static final String CLOSE = "</think>";

    private ThinkTags() {
    }

    /**
     * How many times {@code tag} occurs in {@code text}, counting no further than {@code atMost}
     * so that a text full of tags costs no more than it must.
     */
    public static int count(String text, String tag, int atMost) {
        int count = 0;
        int from = 0;
        while (count < atMost) {
            int at = text.indexOf(tag, from);
            if (at < 0) {
                break;
            }
            count++;
            from = at + tag.length();
        }
        return count;
    }
}
