package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.api.attention.KvCache;

/**
 * What an {@link NsaLayer} keeps between decode steps, per sequence of the batch (every
 * sequence at the same length): the keys and values {@code [length, Hkv, D]}, and the compressed
 * keys and values {@code [Nc, Hkv, D]}, one more each time a compression block completes, so a
 * step never compresses the past again. Under {@code independent_kv} it also keeps the keys and
 * values the selected and the window branch projected for themselves; the model's are then the
 * compression's alone. Arrays grow by doubling up to the capacity.
 */
final class NsaCache implements KvCache {
    private static final int INITIAL_POSITIONS = 16;

    private final int batch;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final NsaParams params;
    private final boolean independent;
    private final float[][] keys;
    private final float[][] values;
    /** The branches' own keys and values, per sequence; null unless independent. */
    private final float[][] selectedKeys;
    private final float[][] selectedValues;
    private final float[][] windowKeys;
    private final float[][] windowValues;
    private final float[][] compressedKeys;
    private final float[][] compressedValues;
    private int length;
    private int compressed;

    /**
     * @param independent whether the selected and window branches read keys and values of
     *     their own, which the cache then keeps too
     */
    NsaCache(int batch, int capacity, int kvHeads, int headDim, NsaParams params,
            boolean independent) {
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
        this.independent = independent;
        this.keys = new float[batch][0];
        this.values = new float[batch][0];
        this.selectedKeys = independent ? new float[batch][0] : null;
        this.selectedValues = independent ? new float[batch][0] : null;
        this.windowKeys = independent ? new float[batch][0] : null;
        this.windowValues = independent ? new float[batch][0] : null;
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

    /** Whether the selected and window branches keep keys and values of their own. */
    boolean independent() {
        return independent;
    }

    /** The compressed tokens cached, those whose blocks are complete. */
    int compressed() {
        return compressed;
    }

    /**
     * Appends {@code count} positions of keys and values {@code [batch, count, Hkv, D]} and
     * compresses every block they complete with the layer's current weights.
     *
     * @param own the branches' own keys and values of those positions, laid out alike, as
     *     float arrays of the {@link BranchProjections.Projected} order; null unless independent
     * @throws IllegalStateException when they would exceed the capacity; nothing is appended
     * @throws IllegalArgumentException when {@code own} is given to a shared cache or missing
     *     from an independent one
     */
    void append(float[] k, float[] v, float[][] own, int count, BlockCompressor keyCompressor,
            BlockCompressor valueCompressor) {
        if ((own != null) != independent || own != null && own.length != 4) {
            throw new IllegalArgumentException("nsa cache: the branches' own keys and values "
                    + (independent ? "are needed, four arrays" : "are not kept here"));
        }
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
            if (independent) {
                float[][][] kept = {selectedKeys, selectedValues, windowKeys, windowValues};
                for (int i = 0; i < kept.length; i++) {
                    kept[i][b] = fit(kept[i][b], next * row);
                    System.arraycopy(own[i], b * count * row, kept[i][b], length * row,
                            count * row);
                }
            }
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

    /** Sequence {@code b}'s keys of the selected branch, {@code [length, Hkv, D]}. */
    float[] selectedKeys(int b) {
        return independent ? prefix(selectedKeys[b]) : keys(b);
    }

    /** Sequence {@code b}'s values of the selected branch, {@code [length, Hkv, D]}. */
    float[] selectedValues(int b) {
        return independent ? prefix(selectedValues[b]) : values(b);
    }

    /**
     * Sequence {@code b}'s keys of the window branch, {@code [length, Hkv, D]}; unless
     * independent, the selected branch's.
     */
    float[] windowKeys(int b) {
        return independent ? prefix(windowKeys[b]) : keys(b);
    }

    /** Sequence {@code b}'s values of the window branch, {@code [length, Hkv, D]}. */
    float[] windowValues(int b) {
        return independent ? prefix(windowValues[b]) : values(b);
    }

    /** Sequence {@code b}'s compressed keys, {@code [compressed, Hkv, D]}. */
    float[] compressedKeys(int b) {
        return Arrays.copyOf(compressedKeys[b], compressed * kvHeads * headDim);
    }

    /** Sequence {@code b}'s compressed values, {@code [compressed, Hkv, D]}. */
    float[] compressedValues(int b) {
        return Arrays.copyOf(compressedValues[b], compressed * kvHeads * headDim);
    }

    /** The cached positions of one of the arrays. */
    private float[] prefix(float[] array) {
        return Arrays.copyOf(array, length * kvHeads * headDim);
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
                + compressed + " compressed, [" + kvHeads + ", " + headDim + "] each"
                + (independent ? ", with the branches' own keys and values" : "");
    }
}
