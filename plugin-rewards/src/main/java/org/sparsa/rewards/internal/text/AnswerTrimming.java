package org.sparsa.rewards.internal.text;

/**
 * Strips what surrounds an answer without being part of it: white space and {@code $} on both
 * sides and trailing {@code .}, repeated until stable. Because leading and trailing strips never
 * interact, "repeat until stable" is the same as dropping every leading white space or {@code $}
 * and every trailing white space, {@code $} or {@code .}; so {@code "$ 12 $."} becomes
 * {@code "12"} and {@code "4.."} becomes {@code "4"}. A leading dot stays ({@code .50} is a number).
 */
public final class AnswerTrimming {
    private AnswerTrimming() {
    }

    /** {@code answer} without its surrounding white space, dollars and trailing dots. */
    public static String trim(String answer) {
        int start = 0;
        int end = answer.length();
        while (start < end) {
            int cp = answer.codePointAt(start);
            if (!(WhiteSpace.is(cp) || cp == '$')) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (end > start) {
            int cp = answer.codePointBefore(end);
            if (!(WhiteSpace.is(cp) || cp == '$' || cp == '.')) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return answer.substring(start, end);
    }
}
