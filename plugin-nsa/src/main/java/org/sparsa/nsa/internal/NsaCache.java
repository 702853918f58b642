package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.api.attention.KvCache;

/**
 * What an {@link NsaLayer} keeps between decode steps, per sequence of the batch (every
 * sequence at the same length): the keys and values {@code [length, Hkv, D]}, and the compressed
 * keys and values {@code [Nc, Hkv, D]}, one more each time a compression block completes, so a
 * step never compresses the past again. Arrays grow by doubling up to the capacity.
 */
final class NsaCache implements KvCache {
    private static final int INITIAL_POSITIONS = 16;

    private final int batch;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final NsaParams params;
    private final float[][] keys;
    private final float[][] values;
    private final float[][] compressedKeys;
    private final float[][] compressedValues;
    private int length;
    private int compressed;

    NsaCache(int batch, int capacity, int kvHeads, int headDim, NsaParams params) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("nsa cache: batch and maximum length must be "
                    + "positive, found batch " + batch + ", maximum length " + capacity);
        }
        if ((long) capacity * kvHeads * headDim > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("nsa cache: " + capacity + " positions of ["
                    + kvHeads + ", " + headDim + "] do not fit in one array");
        }
        this.batch = batch;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.params = params;
        this.keys = new float[batch][0];
        this.values = new float[batch][0];
        this.compressedKeys = new float[batch][0];
        this.compressedValues = new float[batch][0];
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void reset() {
        length = 0;
        compressed = 0;
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

    /** The compressed tokens cached, those whose blocks are complete. */
    int compressed() {
        return compressed;
    }

    /**
     * Appends {@code count} positions of keys and values {@code [batch, count, Hkv, D]} and
     * compresses every block they complete with the layer's current weights.
     *
     * @throws IllegalStateException when they would exceed the capacity; nothing is appended
     */
    void append(float[] k, float[] v, int count, BlockCompressor keyCompressor,
            BlockCompressor valueCompressor) {
        if (count > capacity - length) {
            throw new IllegalStateException("nsa cache: " + count + " more position"
                    + (count == 1 ? "" : "s") + " after the " + length + " cached would exceed "
                    + "its capacity of " + capacity + " (the maximum length it was made for)");
        }
        int row = kvHeads * headDim;
        int next = length + count;
        int nextCompressed = params.compressedTokens(next);
        for (int b = 0; b < batch; b++) {
            keys[b] = fit(keys[b], next * row);
            values[b] = fit(values[b], next * row);
            System.arraycopy(k, b * count * row, keys[b], length * row, count * row);
            System.arraycopy(v, b * count * row, values[b], length * row, count * row);
            compressedKeys[b] = fit(compressedKeys[b], nextCompressed * row);
            compressedValues[b] = fit(compressedValues[b], nextCompressed * row);
            for (int i = compressed; i < nextCompressed; i++) {
                keyCompressor.compress(keys[b], i, compressedKeys[b]);
                valueCompressor.compress(values[b], i, compressedValues[b]);
            }
        }
        length = next;
        compressed = nextCompressed;
    }

    /** Sequence {@code b}'s keys, {@code [length, Hkv, D]}. */
    float[] keys(int b) {
        return Arrays.copyOf(keys[b], length * kvHeads * headDim);
    }

    /** Sequence {@code b}'s values, {@code [length, Hkv, D]}. */
    float[] values(int b) {
        return Arrays.copyOf(values[b], length * kvHeads * headDim);
    }

    /** Sequence {@code b}'s compressed keys, {@code [compressed, Hkv, D]}. */
    float[] compressedKeys(int b) {
        return Arrays.copyOf(compressedKeys[b], compressed * kvHeads * headDim);
    }

    /** Sequence {@code b}'s compressed values, {@code [compressed, Hkv, D]}. */
    float[] compressedValues(int b) {
        return Arrays.copyOf(compressedValues[b], compressed * kvHeads * headDim);
    }

    /** {@code array} if it holds {@code size} entries, else a copy at least doubled. */
    private float[] fit(float[] array, int size) {
        if (array.length >= size) {
            return array;
        }
        int limit = capacity * kvHeads * headDim;
        int grown = Math.max(size, Math.min(limit,
                Math.max(INITIAL_POSITIONS * kvHeads * headDim, 2 * array.length)));
        return Arrays.copyOf(array, grown);
    }

    @Override
    public String toString() {
        return "nsa cache of " + batch + " x " + length + "/" + capacity + " positions, "
                + compressed + " compressed, [" + kvHeads + ", " + headDim + "] each";
    }
}
