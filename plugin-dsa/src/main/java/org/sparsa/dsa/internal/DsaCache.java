package org.sparsa.dsa.internal;

import org.sparsa.api.attention.KvCache;
import org.sparsa.core.attention.CachedRows;

/**
 * What a {@link DsaLayer} keeps between decode steps, per sequence of the batch (every sequence
 * at the same length): the keys and values {@code [length, Hkv, D]} and the indexer's keys
 * {@code [length, dI]}, so a step projects only its own positions ({@link CachedRows} each).
 */
final class DsaCache implements KvCache {
    private final int batch;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final int indexDim;
    private final CachedRows keys;
    private final CachedRows values;
    private final CachedRows indexKeys;
    private int length;

    DsaCache(int batch, int capacity, int kvHeads, int headDim, int indexDim) {
        this.batch = batch;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.indexDim = indexDim;
        this.keys = new CachedRows("dsa cache", batch, capacity, kvHeads * headDim);
        this.values = new CachedRows("dsa cache", batch, capacity, kvHeads * headDim);
        this.indexKeys = new CachedRows("dsa cache", batch, capacity, indexDim);
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
        keys.put(k, length, count);
        values.put(v, length, count);
        indexKeys.put(ki, length, count);
        length += count;
    }

    /** Sequence {@code b}'s keys, {@code [length, Hkv, D]}. */
    float[] keys(int b) {
        return keys.prefix(b, length);
    }

    /** Sequence {@code b}'s values, {@code [length, Hkv, D]}. */
    float[] values(int b) {
        return values.prefix(b, length);
    }

    /** Sequence {@code b}'s index keys, {@code [length, dI]}. */
    float[] indexKeys(int b) {
        return indexKeys.prefix(b, length);
    }

    @Override
    public String toString() {
        return "dsa cache of " + batch + " x " + length + "/" + capacity + " positions, ["
                + kvHeads + ", " + headDim + "] and index keys of " + indexDim + " each";
    }
}
