package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.api.attention.KvCache;

/**
 * The keys and values an {@link NsaLayer} has seen while decoding a batch of sequences, every
 * sequence at the same length, {@code [batch, length, Hkv, D]}. The arrays are remade at each
 * append: a decode step runs the op over the whole cached sequence anyway.
 */
final class NsaCache implements KvCache {
    private final int batch;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private float[] keys = new float[0];
    private float[] values = new float[0];
    private int length;

    NsaCache(int batch, int capacity, int kvHeads, int headDim) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("nsa cache: batch and maximum length must be "
                    + "positive, found batch " + batch + ", maximum length " + capacity);
        }
        this.batch = batch;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void reset() {
        length = 0;
        keys = new float[0];
        values = new float[0];
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

    /**
     * Appends {@code count} positions of keys and values {@code [batch, count, Hkv, D]}.
     *
     * @throws IllegalStateException when they would exceed the capacity; nothing is appended
     */
    void append(float[] k, float[] v, int count) {
        if (count > capacity - length) {
            throw new IllegalStateException("nsa cache: " + count + " more positions after the "
                    + length + " cached would exceed its capacity of " + capacity);
        }
        int row = kvHeads * headDim;
        keys = grow(keys, k, count, row);
        values = grow(values, v, count, row);
        length += count;
    }

    /** The cached keys, {@code [batch, length, Hkv, D]}. */
    float[] keys() {
        return keys;
    }

    /** The cached values, {@code [batch, length, Hkv, D]}. */
    float[] values() {
        return values;
    }

    /**
     * {@code rows [batch, count, width]} placed at the end of zeros {@code [batch, length,
     * width]}: the last {@code count} positions of the cached sequence.
     */
    float[] padFront(float[] rows, int count, int width) {
        float[] out = new float[batch * length * width];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(rows, b * count * width, out,
                    (b * length + length - count) * width, count * width);
        }
        return out;
    }

    /** {@code old [batch, length, row]} with {@code added [batch, count, row]} after each sequence. */
    private float[] grow(float[] old, float[] added, int count, int row) {
        int next = length + count;
        float[] out = new float[batch * next * row];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(old, b * length * row, out, b * next * row, length * row);
            System.arraycopy(added, b * count * row, out, (b * next + length) * row, count * row);
        }
        return out;
    }

    @Override
    public String toString() {
        return "nsa cache of " + batch + " x " + length + "/" + capacity + " positions "
                + Arrays.toString(new int[] {kvHeads, headDim});
    }
}
