package org.sparsa.core.task.internal;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/** The distinct symbols (code points) a synthetic task spells its keys or values with. */
final class Alphabet {
    private final int[] symbols;

    private Alphabet(int[] symbols) {
        this.symbols = symbols;
    }

    /**
     * The alphabet at {@code key}: at least one code point, none repeated, none white space nor
     * one of {@code reserved}, which the task's prompt uses as separators.
     */
    static Alphabet of(PluginConfig config, String key, String fallback, String reserved) {
        String text = config.string(key, fallback);
        Set<Integer> seen = new LinkedHashSet<>();
        text.codePoints().forEach(cp -> {
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || reserved.indexOf(cp) >= 0
                    || !seen.add(cp)) {
                throw new ConfigException(config.origin(), key, "expected distinct symbols, none"
                        + " white space nor one of '" + reserved + "', found '"
                        + new String(Character.toChars(cp)) + "' in '" + text + "'");
            }
        });
        if (seen.isEmpty()) {
            throw new ConfigException(config.origin(), key, "expected at least one symbol");
        }
        return new Alphabet(seen.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The number of symbols. */
    int size() {
        return symbols.length;
    }

    /** The number of words of {@code length} symbols, saturating at {@link Long#MAX_VALUE}. */
    long words(int length) {
        long count = 1;
        for (int i = 0; i < length; i++) {
            if (count > Long.MAX_VALUE / symbols.length) {
                return Long.MAX_VALUE;
            }
            count *= symbols.length;
        }
        return count;
    }

    /** A random word of {@code length} symbols. */
    String word(RandomGenerator random, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.appendCodePoint(symbols[random.nextInt(symbols.length)]);
        }
        return out.toString();
    }
}
