package org.sparsa.dsa.internal;

import java.util.Arrays;
import org.sparsa.api.attention.KvCache;

/**
 * What a {@link DsaLayer} keeps between decode steps, per sequence of the batch (every sequence
 * at the same length): the keys and values {@code [length, Hkv, D]} and the indexer's keys
 * {@code [length, dI]}, so a step projects only its own positions. Arrays grow by doubling up to
 * the capacity.
 */
final class DsaCache implements KvCache {
    private static final int INITIAL_POSITIONS = 16;

    private final int batch;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final int indexDim;
    private final float[][] keys;
    private final float[][] values;
    private final float[][] indexKeys;
    private int length;

    DsaCache(int batch, int capacity, int kvHeads, int headDim, int indexDim) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("dsa cache: batch and maximum length must be "
                    + "positive, found batch " + batch + ", maximum length " + capacity);
        }
        if ((long) capacity * kvHeads * headDim > Integer.MAX_VALUE
                || (long) capacity * indexDim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dsa cache: " + capacity + " positions of ["
                    + kvHeads + ", " + headDim + "] do not fit in one array");
        }
        this.batch = batch;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.indexDim = indexDim;
        this.keys = new float[batch][0];
        this.values = new float[batch][0];
        this.indexKeys = new float[batch][0];
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void reset() {
        length = 0;
    }

    int batch() {
        return batch;
    }

    int kvHeads() {
        return kvHeads;
    }

    int headDim() {
        return headDim;
    }

    int indexDim() {
        return indexDim;
    }

    /**
     * Appends {@code count} positions of keys and values {@code [batch, count, Hkv, D]} and index
     * keys {@code [batch, count, dI]}.
     *
     * @throws IllegalStateException when they would exceed the capacity; nothing is appended
     */
    void append(float[] k, float[] v, float[] ki, int count) {
        if (count > capacity - length) {
            throw new IllegalStateException("dsa cache: " + count + " more position"
                    + (count == 1 ? "" : "s") + " after the " + length + " cached would exceed "
                    + "its capacity of " + capacity + " (the maximum length it was made for)");
        }
        int row = kvHeads * headDim;
        int next = length + count;
        for (int b = 0; b < batch; b++) {
            keys[b] = fit(keys[b], next * row, row);
            values[b] = fit(values[b], next * row, row);
            indexKeys[b] = fit(indexKeys[b], next * indexDim, indexDim);
            System.arraycopy(k, b * count * row, keys[b], length * row, count * row);
            System.arraycopy(v, b * count * row, values[b], length * row, count * row);
            System.arraycopy(ki, b * count * indexDim, indexKeys[b], length * indexDim,
                    count * indexDim);
        }
        length = next;
    }

    /** Sequence {@code b}'s keys, {@code [length, Hkv, D]}. */
    float[] keys(int b) {
        return Arrays.copyOf(keys[b], length * kvHeads * headDim);
    }

    /** Sequence {@code b}'s values, {@code [length, Hkv, D]}. */
    float[] values(int b) {
        return Arrays.copyOf(values[b], length * kvHeads * headDim);
    }

    /** Sequence {@code b}'s index keys, {@code [length, dI]}. */
    float[] indexKeys(int b) {
        return Arrays.copyOf(indexKeys[b], length * indexDim);
    }

    /** {@code array} if it holds {@code size} entries, else a copy at least doubled. */
    private float[] fit(float[] array, int size, int row) {
        if (array.length >= size) {
            return array;
        }
        int limit = capacity * row;
        int grown = Math.max(size, Math.min(limit,
                Math.max(INITIAL_POSITIONS * row, 2 * array.length)));
        return Arrays.copyOf(array, grown);
    }

    @Override
    public String toString() {
        return "dsa cache of " + batch + " x " + length + "/" + capacity + " positions, ["
                + kvHeads + ", " + headDim + "] and index keys of " + indexDim + " each";
    }
}
