package org.sparsa.core.attention.internal;

import java.util.stream.IntStream;
import org.sparsa.api.attention.KvCache;
import org.sparsa.core.attention.CachedRows;

/**
 * The keys and values a {@link FullAttentionLayer} has seen while decoding a batch of sequences,
 * every sequence at the same length, each sequence's {@code [length, Hkv, D]} keys and values in
 * {@link CachedRows}.
 */
final class FullAttentionCache implements KvCache {
    private final int batch;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final CachedRows keys;
    private final CachedRows values;
    private int length;

    /**
     * @throws IllegalArgumentException when a size is not positive or a full sequence would not
     *     fit in one array
     */
    FullAttentionCache(int batch, int capacity, int kvHeads, int headDim) {
        this.batch = batch;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keys = new CachedRows("full attention cache", batch, capacity, kvHeads * headDim);
        this.values = new CachedRows("full attention cache", batch, capacity, kvHeads * headDim);
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void reset() {
        length = 0;
    }

    /** The sequences cached. */
    int batch() {
        return batch;
    }

    /** The most positions the cache holds. */
    int capacity() {
        return capacity;
    }

    int kvHeads() {
        return kvHeads;
    }

    int headDim() {
        return headDim;
    }

    /**
     * Appends {@code count} positions of keys and values, {@code [batch, count, Hkv, D]}.
     *
     * @throws IllegalStateException when they would overflow the capacity; nothing is appended
     */
    void append(float[] k, float[] v, int count) {
        if (count > capacity - length) {
            throw new IllegalStateException("full attention cache: " + count + " more position"
                    + (count == 1 ? "" : "s") + " after the " + length + " cached would exceed "
                    + "its capacity of " + capacity + " (the maximum length it was made for)");
        }
        keys.put(k, length, count);
        values.put(v, length, count);
        length += count;
    }

    /**
     * Attention of the last {@code count} cached positions' queries over the cached keys:
     * {@code q [batch, count, Hq, D]} to {@code o [batch, count, Hq, D]}, the query at position
     * {@code t} seeing the keys {@code s <= t} (and {@code t - window < s} with a window).
     * Scores, softmax and the output sums run in double, one row at a time, in key order; rows
     * are independent, so the result does not depend on how they are spread over threads.
     */
    float[] attendLast(float[] q, int count, int queryHeads, int window) {
        int dim = headDim;
        int group = queryHeads / kvHeads;
        int first = length - count;
        double scale = 1.0 / Math.sqrt(dim);
        float[] o = new float[q.length];
        int rows = batch * count * queryHeads;
        IntStream.range(0, rows).parallel().forEach(row -> {
            int h = row % queryHeads;
            int i = (row / queryHeads) % count;
            int b = row / (queryHeads * count);
            int t = first + i;
            int g = h / group;
            int lo = window > 0 ? Math.max(0, t - window + 1) : 0;
            float[] key = keys.array(b);
            float[] value = values.array(b);
            int qBase = row * dim;
            double[] p = new double[t - lo + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int s = lo; s <= t; s++) {
                int kBase = (s * kvHeads + g) * dim;
                double dot = 0;
                for (int d = 0; d < dim; d++) {
                    dot += (double) q[qBase + d] * key[kBase + d];
                }
                p[s - lo] = dot * scale;
                max = Math.max(max, p[s - lo]);
            }
            double sum = 0;
            for (int j = 0; j < p.length; j++) {
                p[j] = Math.exp(p[j] - max);
                sum += p[j];
            }
            double[] acc = new double[dim];
            for (int s = lo; s <= t; s++) {
                double weight = p[s - lo] / sum;
                int vBase = (s * kvHeads + g) * dim;
                for (int d = 0; d < dim; d++) {
                    acc[d] += weight * value[vBase + d];
                }
            }
            for (int d = 0; d < dim; d++) {
                o[qBase + d] = (float) acc[d];
            }
        });
        return o;
    }
}
