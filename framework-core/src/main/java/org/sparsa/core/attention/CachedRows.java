package org.sparsa.core.attention;

import java.util.Arrays;

/**
 * Rows of one width cached per sequence of a batch, for decoding caches: keys, values, index
 * keys or compressed tokens, {@code [positions, width]} per sequence. Each sequence's array
 * grows by doubling up to the capacity, so a cache sized for a long context costs memory only
 * as it fills. The owner keeps the count of positions; this class only stores them.
 */
public final class CachedRows {
    private static final int INITIAL_POSITIONS = 16;

    private final int capacity;
    private final int width;
    private final float[][] rows;

    /**
     * @param owner names the cache in errors, such as {@code "nsa cache"}
     * @param capacity the most positions a sequence holds
     * @param width the floats per position
     * @throws IllegalArgumentException when a size is not positive or a full sequence would not
     *     fit in one array
     */
    public CachedRows(String owner, int batch, int capacity, int width) {
        if (batch <= 0 || capacity <= 0 || width <= 0) {
            throw new IllegalArgumentException(owner + ": batch, maximum length and row width "
                    + "must be positive, found " + batch + ", " + capacity + ", " + width);
        }
        if ((long) capacity * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(owner + ": " + capacity + " positions of "
                    + width + " floats do not fit in one array");
        }
        this.capacity = capacity;
        this.width = width;
        this.rows = new float[batch][0];
    }

    /**
     * Writes {@code count} positions from {@code source [batch, count, width]} at positions
     * {@code [from, from + count)} of every sequence.
     */
    public void put(float[] source, int from, int count) {
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(source, b * count * width, reserve(b, from + count), from * width,
                    count * width);
        }
    }

    /**
     * Sequence {@code b}'s array, grown to hold at least {@code positions} positions, for an
     * owner that writes rows itself; positions past those written hold nothing meaningful.
     */
    public float[] reserve(int b, int positions) {
        int size = positions * width;
        if (rows[b].length < size) {
            int grown = (int) Math.min(capacity, Math.max(INITIAL_POSITIONS,
                    2L * rows[b].length / width));
            rows[b] = Arrays.copyOf(rows[b], Math.max(positions, grown) * width);
        }
        return rows[b];
    }

    /** Sequence {@code b}'s array as it stands, read in place; its first positions are valid. */
    public float[] array(int b) {
        return rows[b];
    }

    /** A copy of sequence {@code b}'s first {@code positions} positions. */
    public float[] prefix(int b, int positions) {
        return Arrays.copyOf(rows[b], positions * width);
    }
}
