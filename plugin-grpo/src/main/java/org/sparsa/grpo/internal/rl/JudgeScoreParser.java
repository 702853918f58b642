package org.sparsa.grpo.internal.rl;

import org.sparsa.api.reward.Judgement;

/**
 * Reads a score out of a judge model's answer: the first integer of the answer, which must lie
 * in {@code 0..scale}; the score is {@code n / scale}. Anything else is
 * {@link Judgement#unparsed}, with the reason and the answer in the rationale.
 *
 * <p>The first integer is the first maximal run of decimal digits, in any script (Unicode
 * category Nd, so {@code ٧} and {@code ７} read as 7; superscripts such as {@code ²} are not
 * digits). Text before it is skipped ({@code "Score: 7"} reads 7), and so is text after it
 * ({@code "7/10"} reads 7), except that:
 * <ul>
 * <li>a minus sign right before the digits ({@code -} or {@code −}) makes it negative, hence
 * out of range;</li>
 * <li>a {@code .} followed by a digit right after them makes it a decimal, not an integer
 * ({@code "7."} at the end of a sentence still reads 7).</li>
 * </ul>
 * Huge numbers are out of range without overflowing. The answer is only read, so odd text
 * (control characters, unpaired surrogates, megabytes) never throws.
 */
final class JudgeScoreParser {
    /** More digits than this, leading zeros aside, exceed any scale an int can hold. */
    private static final int MAX_DIGITS = 10;
    /** How much of an answer a rationale quotes. */
    private static final int QUOTED = 40;

    private final int scale;

    /**
     * A parser for scores out of {@code scale}.
     *
     * @throws IllegalArgumentException when {@code scale} is below 1
     */
    JudgeScoreParser(int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("judge scale must be at least 1, found " + scale);
        }
        this.scale = scale;
    }

    /** The judgement {@code answer} gives; {@code null} reads as empty. */
    Judgement parse(String answer) {
        String text = answer == null ? "" : answer;
        if (text.isBlank()) {
            return Judgement.unparsed("the judge's answer is empty");
        }
        int start = 0;
        while (start < text.length() && !Character.isDigit(text.codePointAt(start))) {
            start += Character.charCount(text.codePointAt(start));
        }
        if (start == text.length()) {
            return Judgement.unparsed("no integer in the judge's answer " + quote(text));
        }
        int end = start;
        long value = 0;
        int significant = 0;
        while (end < text.length() && Character.isDigit(text.codePointAt(end))) {
            int codePoint = text.codePointAt(end);
            int digit = Character.digit(codePoint, 10);
            if (significant > 0 || digit != 0) {
                significant++;
                if (significant <= MAX_DIGITS) {
                    value = value * 10 + digit;
                }
            }
            end += Character.charCount(codePoint);
        }
        if (start > 0 && isMinus(text.charAt(start - 1))) {
            return Judgement.unparsed("the judge's score is negative: " + quote(text));
        }
        if (end + 1 < text.length() && text.charAt(end) == '.'
                && Character.isDigit(text.codePointAt(end + 1))) {
            return Judgement.unparsed("the judge's score is not an integer: " + quote(text));
        }
        if (significant > MAX_DIGITS || value > scale) {
            return Judgement.unparsed("the judge's score lies outside 0.." + scale + ": "
                    + quote(text));
        }
        return new Judgement(value / (double) scale, true, "the judge answered " + quote(text));
    }

    private static boolean isMinus(char c) {
        return c == '-' || c == '\u2212';
    }

    private static String quote(String text) {
        String shown = text.length() > QUOTED ? text.substring(0, QUOTED) + "…" : text;
        return "'" + shown.replace("\n", "\\n") + "'";
    }
}
