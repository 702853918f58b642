package org.sparsa.core.io;

import java.util.SplittableRandom;

/**
 * Structured-but-wrong variants of a valid text (JSON, YAML, a pointer file) for fuzzing its
 * reader: a few random edits that cut, double or swap pieces, put syntax characters where they
 * do not belong, or put absurd numbers and odd characters in.
 */
public final class TextMutations {
    private static final String SYNTAX = "{}[]\":,-#&*!|>'\n\t ";
    private static final String[] ODD = {"1e999", "-1", "9223372036854775808", "NaN", "null",
        "true", "\u0000", "\ud800", "😀", "~", "''", "[[[[[[", "{{{{{{", "&a", "*a", "!!binary",
        "0x1F", "-.inf", "1_000", "\"\\u0000\""};

    private TextMutations() {}

    /** {@code valid} after {@code edits} random edits drawn from {@code seed}. */
    public static String mutate(String valid, long seed, int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder text = new StringBuilder(valid);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(text.length() + 1);
            int length = random.nextInt(Math.min(24, text.length() - at) + 1);
            switch (random.nextInt(6)) {
                case 0 -> text.delete(at, at + length);
                case 1 -> text.insert(at, text.substring(at, at + length));
                case 2 -> text.insert(at, SYNTAX.charAt(random.nextInt(SYNTAX.length())));
                case 3 -> text.replace(at, at + length, ODD[random.nextInt(ODD.length)]);
                case 4 -> text.insert(at, (char) random.nextInt(0x20, 0x3000));
                default -> {
                    int other = random.nextInt(text.length() + 1);
                    String piece = text.substring(at, at + length);
                    text.delete(at, at + length);
                    text.insert(Math.min(other, text.length()), piece);
                }
            }
        }
        return text.toString();
    }
}
