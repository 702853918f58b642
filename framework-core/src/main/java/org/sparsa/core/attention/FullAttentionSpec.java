package org.sparsa.core.attention;

/**
 * The sizes of one full-attention call.
 *
 * <p>Every query sees at least its own key (a window counts the query's own position), so the
 * rule that an empty key set yields zeros never applies to full attention.
 *
 * @param length the sequence length {@code T}
 * @param queryHeads query heads {@code Hq}; a multiple of {@code kvHeads}
 * @param kvHeads key/value heads {@code Hkv} ({@code 1} is multi-query attention)
 * @param headDim the head dimension {@code D}
 * @param window {@code 0} for plain causal attention, otherwise the number of most recent keys
 *     (the query's own included) each query sees
 */
public record FullAttentionSpec(int length, int queryHeads, int kvHeads, int headDim,
        int window) {

    /**
     * @throws IllegalArgumentException when a size is not positive, the window is negative, the
     *     query heads are not a multiple of the kv heads, or a tensor would not fit in one array
     */
    public FullAttentionSpec {
        positive("length", length);
        positive("queryHeads", queryHeads);
        positive("kvHeads", kvHeads);
        positive("headDim", headDim);
        if (window < 0) {
            throw new IllegalArgumentException("window must be >= 0 (0 means no window), found "
                    + window);
        }
        if (queryHeads % kvHeads != 0) {
            throw new IllegalArgumentException("queryHeads (" + queryHeads
                    + ") must be a multiple of kvHeads (" + kvHeads + ")");
        }
        // Checked once here so that index arithmetic elsewhere can stay in int.
        if ((long) length * queryHeads * headDim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("q of shape [" + length + ", " + queryHeads
                    + ", " + headDim + "] does not fit in one Java array");
        }
    }

    /** Query heads that share one kv head ({@code Hq / Hkv}). */
    public int groupSize() {
        return queryHeads / kvHeads;
    }

    /** The kv head that query head {@code h} reads. */
    public int kvHeadOf(int queryHead) {
        return queryHead / groupSize();
    }

    /** The score scale {@code 1 / sqrt(D)}. */
    public double scale() {
        return 1.0 / Math.sqrt(headDim);
    }

    /** The first key query {@code t} sees; the last is {@code t} itself. */
    public int firstVisibleKey(int t) {
        return window > 0 ? Math.max(0, t - window + 1) : 0;
    }

    /** The last query that sees key {@code s}; the first is {@code s} itself. */
    public int lastQuerySeeing(int s) {
        return window > 0 ? Math.min(length - 1, s + window - 1) : length - 1;
    }

    /** Values in q (and in o and its gradient): {@code T * Hq * D}. */
    public int querySize() {
        return length * queryHeads * headDim;
    }

    /** Values in k or v: {@code T * Hkv * D}. */
    public int kvSize() {
        return length * kvHeads * headDim;
    }

    /** Values in the per-row log-sum-exp: {@code T * Hq}. */
    public int rowCount() {
        return length * queryHeads;
    }

    /** Checks the lengths of q, k and v against this shape. */
    void requireInputs(int queryLength, int keyLength, int valueLength) {
        requireQueryShaped("q", queryLength);
        requireKvShaped("k", keyLength);
        requireKvShaped("v", valueLength);
    }

    void requireQueryShaped(String name, int actual) {
        require(name, actual, querySize(), "[T, Hq, D] = [" + length + ", " + queryHeads + ", "
                + headDim + "]");
    }

    void requireKvShaped(String name, int actual) {
        require(name, actual, kvSize(), "[T, Hkv, D] = [" + length + ", " + kvHeads + ", "
                + headDim + "]");
    }

    void requireRowShaped(String name, int actual) {
        require(name, actual, rowCount(), "[T, Hq] = [" + length + ", " + queryHeads + "]");
    }

    private static void require(String name, int actual, int expected, String shape) {
        if (actual != expected) {
            throw new IllegalArgumentException(name + " has " + actual + " values, expected "
                    + expected + " for shape " + shape);
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, found " + value);
        }
    }
}
