package org.sparsa.rewards.internal.text;

/**
 * The part of a completion that holds its final answer: the text after the last
 * {@code </think>}, or the whole text when there is none. Taking the last one means a box
 * written while thinking never counts once an answer follows.
 */
public final class AnswerRegion {
    private AnswerRegion() {
    }

    /** The answer region of {@code text}. */
    public static String of(String text) {
        int close = text.lastIndexOf(ThinkTags.CLOSE);
        return close < 0 ? text : text.substring(close + ThinkTags.CLOSE.length());
    }
}
