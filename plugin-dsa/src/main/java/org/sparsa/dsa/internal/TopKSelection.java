package org.sparsa.dsa.internal;

import java.util.Arrays;

/**
 * Step 1 of DSA, the choice of keys, in plain Java: it reads score values and gives indices, so
 * no gradient can pass through it, as the spec requires.
 */
final class TopKSelection {

    private TopKSelection() {
    }

    /**
     * Per row, the {@code min(topK, visible)} visible keys with the largest score, ties to the
     * lower index, sorted ascending and padded with {@code -1} to width {@code topK}. Row
     * {@code t} is the query at position {@code first + t}, which sees keys
     * {@code s <= first + t}.
     *
     * @param scores index scores {@code [rows, keys]} row-major; hidden entries are ignored
     * @return the selected key indices {@code [rows, topK]} row-major
     */
    static int[] select(float[] scores, int rows, int keys, int first, int topK) {
        int[] selected = new int[rows * topK];
        Arrays.fill(selected, -1);
        Integer[] order = new Integer[keys];
        for (int t = 0; t < rows; t++) {
            int visible = Math.min(first + t + 1, keys);
            int row = t * keys;
            int out = t * topK;
            if (visible <= topK) {
                for (int s = 0; s < visible; s++) {
                    selected[out + s] = s;
                }
                continue;
            }
            for (int s = 0; s < visible; s++) {
                order[s] = s;
            }
            // Larger scores first; among equal scores the lower index, so the choice is fixed.
            // Compared as numbers, not with Float.compare, so that -0 and 0 tie as they should.
            Arrays.sort(order, 0, visible, (a, b) -> {
                float x = scores[row + a];
                float y = scores[row + b];
                return x > y ? -1 : x < y ? 1 : Integer.compare(a, b);
            });
            for (int c = 0; c < topK; c++) {
                selected[out + c] = order[c];
            }
            Arrays.sort(selected, out, out + topK);
        }
        return selected;
    }
}
