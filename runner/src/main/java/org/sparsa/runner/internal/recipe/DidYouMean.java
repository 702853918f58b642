package org.sparsa.runner.internal.recipe;

import java.util.Collection;
import java.util.Optional;

/**
 * Suggests the known name closest to a misspelt one, by optimal-string-alignment distance
 * (Levenshtein plus adjacent transpositions, the commonest typo).
 */
final class DidYouMean {
    private DidYouMean() {
    }

    /** The closest of {@code known}, if it is near enough to be what was meant. */
    static Optional<String> closest(String typed, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(typed.toLowerCase(java.util.Locale.ROOT),
                    candidate.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        // A third of the length, at least one edit: close enough to be a typo, not a new word.
        int allowed = Math.max(1, Math.min(3, typed.length() / 3));
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1),
                        d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
                        && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** {@code "; did you mean 'x'?"} or {@code "; expected one of [a, b]"}. */
    static String hint(String typed, Collection<String> known) {
        return closest(typed, known).map(s -> "; did you mean '" + s + "'?")
                .orElseGet(() -> known.isEmpty() ? "; none is accepted here"
                        : "; expected one of " + new java.util.TreeSet<>(known));
    }
}
