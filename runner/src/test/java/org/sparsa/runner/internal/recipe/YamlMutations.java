package org.sparsa.runner.internal.recipe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Structured-but-wrong variants of a valid recipe for fuzzing the loader: a few random edits
 * that a hand-edited YAML file suffers (lines dropped, doubled, swapped or re-indented, values
 * replaced by the wrong type or absurd numbers, keys misspelt, anchors and tags put in, syntax
 * characters and odd Unicode typed anywhere).
 */
final class YamlMutations {
    private static final String[] VALUES = {"", "~", "null", "-1", "0", "1e999", "-.inf", ".nan",
        "9223372036854775808", "99999999999999999999", "true", "[]", "{}", "[1, [2, [3]]]",
        "\"\\u0000\"", "'", "\"", "&a x", "*a", "!!binary AAAA", "!!python/object x", "|",
        ">", "0x7fffffff", "1_000", "😀", "\ud800", "a: b: c", "[{kind: pretrain}]",
        "{id: mqar, config: {x: 1}}", "2147483648", "-2147483649", "1.0e-3", "64"};
    private static final String[] KEYS = {"name", "seed", "model", "dim", "layers", "heads",
        "task", "id", "stages", "kind", "steps", "lr", "batch", "seq_len", "schedule", "config",
        "sweep", "output", "dir", "resume", "backend", "<<", "? ", "- "};
    private static final String SYNTAX = "{}[]:,-#&*!|>'\"%@`\t ";

    private YamlMutations() {}

    /** {@code valid} after {@code edits} random edits drawn from {@code seed}. */
    static String mutate(String valid, long seed, int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>(Arrays.asList(valid.split("\n", -1)));
        for (int e = 0; e < edits && !lines.isEmpty(); e++) {
            int at = random.nextInt(lines.size());
            String line = lines.get(at);
            switch (random.nextInt(8)) {
                case 0 -> lines.remove(at);
                case 1 -> lines.add(at, line);
                case 2 -> lines.set(at, random.nextBoolean() ? "  " + line : line.strip());
                case 3 -> {
                    int other = random.nextInt(lines.size());
                    lines.set(at, lines.get(other));
                    lines.set(other, line);
                }
                case 4 -> {
                    int colon = line.indexOf(':');
                    String value = VALUES[random.nextInt(VALUES.length)];
                    lines.set(at, colon < 0 ? line + " " + value
                            : line.substring(0, colon + 1) + " " + value);
                }
                case 5 -> {
                    String indent = line.substring(0, line.length() - line.stripLeading()
                            .length());
                    lines.add(at, indent + KEYS[random.nextInt(KEYS.length)] + ": "
                            + VALUES[random.nextInt(VALUES.length)]);
                }
                case 6 -> {
                    int column = random.nextInt(line.length() + 1);
                    lines.set(at, line.substring(0, column)
                            + SYNTAX.charAt(random.nextInt(SYNTAX.length()))
                            + line.substring(column));
                }
                default -> {
                    int column = random.nextInt(line.length() + 1);
                    lines.set(at, line.substring(0, column)
                            + (char) random.nextInt(0x20, 0x3000) + line.substring(column));
                }
            }
        }
        return String.join("\n", lines);
    }
}
