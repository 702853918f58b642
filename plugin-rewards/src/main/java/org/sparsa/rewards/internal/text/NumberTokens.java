package org.sparsa.rewards.internal.text;

import java.util.OptionalDouble;

/**
 * Decimal numbers written in text, for the rule judge's {@code numeric} check.
 *
 * <p>A number is ASCII digits with an optional fractional part ({@code 3}, {@code 3.25},
 * {@code .5}) and an optional exponent ({@code 1e-3}), with a leading {@code -} or {@code +} taken
 * as its sign unless a letter or digit stands right before that sign ({@code x-3} and {@code 5-3}
 * end in the number {@code 3}, {@code = -3} in {@code -3}). No thousands separators: in
 * {@code 1,234} the last number is {@code 234}. Fractions are not numbers here ({@code 1/2} ends
 * in {@code 2}). The scan is a single forward pass.
 */
public final class NumberTokens {
    private NumberTokens() {
    }

    /** The value of the last number in {@code text}, or empty when it has none. */
    public static OptionalDouble last(CharSequence text) {
        int lastStart = -1;
        int lastEnd = -1;
        int i = 0;
        while (i < text.length()) {
            int end = numberEnd(text, i);
            if (end < 0) {
                i++;
                continue;
            }
            lastStart = i;
            lastEnd = end;
            i = end;
        }
        if (lastStart < 0) {
            return OptionalDouble.empty();
        }
        int start = lastStart;
        if (start > 0 && isSign(text.charAt(start - 1))
                && !(start > 1 && Character.isLetterOrDigit(text.charAt(start - 2)))) {
            start--;
        }
        return OptionalDouble.of(Double.parseDouble(text.subSequence(start, lastEnd).toString()));
    }

    /** The value of {@code text} when all of it is one number (sign allowed), else empty. */
    public static OptionalDouble whole(String text) {
        int start = !text.isEmpty() && isSign(text.charAt(0)) ? 1 : 0;
        if (start < text.length() && numberEnd(text, start) == text.length()) {
            return OptionalDouble.of(Double.parseDouble(text));
        }
        return OptionalDouble.empty();
    }

    /** Where an unsigned number starting at {@code at} ends, or -1 when none starts there. */
    private static int numberEnd(CharSequence text, int at) {
        int i = digitsEnd(text, at);
        boolean integerPart = i > at;
        if (i < text.length() && text.charAt(i) == '.' && digitsEnd(text, i + 1) > i + 1) {
            i = digitsEnd(text, i + 1);
        } else if (!integerPart) {
            return -1;
        }
        if (i < text.length() && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            int exponent = i + 1;
            if (exponent < text.length() && isSign(text.charAt(exponent))) {
                exponent++;
            }
            int exponentEnd = digitsEnd(text, exponent);
            if (exponentEnd > exponent) {
                i = exponentEnd;
            }
        }
        return i;
    }

    private static int digitsEnd(CharSequence text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    private static boolean isSign(char c) {
        return c == '-' || c == '+';
    }
}
