package org.sparsa.rewards.internal.text;

import java.math.BigInteger;
import java.util.Optional;

/**
 * A number written as an integer, a decimal or a fraction {@code a/b}, kept exactly as
 * {@code numerator / denominator} so that {@code 0.5}, {@code .50} and {@code 1/2} compare equal
 * without rounding (cross-multiplied big integers, never doubles).
 *
 * <p>Accepted: an optional sign ({@code +} or {@code -}) at the very front, then ASCII digits with
 * at most one decimal point and at least one digit ({@code 12}, {@code 1.5}, {@code .5},
 * {@code 5.}), optionally followed by {@code /} and a second unsigned number of the same form that
 * is not zero. Nothing else: no spaces, thousands separators, exponents or LaTeX, so
 * {@code \frac{1}{2}} is not a rational and {@code 1/0} is not either; such answers are compared as
 * strings. Texts longer than {@value #MAX_CHARS} characters are refused outright so that a
 * megabyte of digits costs a length check, not a big-number multiplication.
 *
 * @param numerator the signed numerator
 * @param denominator the denominator, always positive; the fraction is not reduced
 */
public record ExactRational(BigInteger numerator, BigInteger denominator) {
    /** The longest text parsed as a number; longer ones are compared as strings. */
    public static final int MAX_CHARS = 4096;

    /** Parses {@code text} as a whole, or returns empty when it is not a rational as above. */
    public static Optional<ExactRational> parse(String text) {
        if (text.isEmpty() || text.length() > MAX_CHARS) {
            return Optional.empty();
        }
        boolean negative = text.charAt(0) == '-';
        int start = (negative || text.charAt(0) == '+') ? 1 : 0;
        int slash = text.indexOf('/', start);
        if (slash < 0) {
            return decimal(text, start, text.length())
                    .map(r -> negative ? new ExactRational(r.numerator.negate(), r.denominator) : r);
        }
        Optional<ExactRational> top = decimal(text, start, slash);
        Optional<ExactRational> bottom = decimal(text, slash + 1, text.length());
        if (top.isEmpty() || bottom.isEmpty() || bottom.get().numerator.signum() == 0) {
            return Optional.empty();
        }
        // (p/q) / (r/s) = (p*s) / (q*r), and r > 0 here, so the denominator stays positive.
        BigInteger numerator = top.get().numerator.multiply(bottom.get().denominator);
        BigInteger denominator = top.get().denominator.multiply(bottom.get().numerator);
        return Optional.of(new ExactRational(negative ? numerator.negate() : numerator, denominator));
    }

    /** Whether this and {@code other} are the same number, by exact cross-multiplication. */
    public boolean sameValueAs(ExactRational other) {
        return numerator.multiply(other.denominator).equals(other.numerator.multiply(denominator));
    }

    /** An unsigned decimal filling {@code text[from, to)}, as digits over a power of ten. */
    private static Optional<ExactRational> decimal(String text, int from, int to) {
        StringBuilder digits = new StringBuilder(to - from);
        int fractionDigits = 0;
        boolean seenPoint = false;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
                if (seenPoint) {
                    fractionDigits++;
                }
            } else if (c == '.' && !seenPoint) {
                seenPoint = true;
            } else {
                return Optional.empty();
            }
        }
        if (digits.length() == 0) {
            return Optional.empty();
        }
        return Optional.of(new ExactRational(new BigInteger(digits.toString()),
                BigInteger.TEN.pow(fractionDigits)));
    }
}
