package org.sparsa.nsa.internal;

import org.sparsa.api.attention.KvCache;
import org.sparsa.core.attention.CachedRows;

/**
 * What an {@link NsaLayer} keeps between decode steps, per sequence of the batch (every
 * sequence at the same length): the keys and values {@code [length, Hkv, D]}, and the compressed
 * keys and values {@code [Nc, Hkv, D]}, one more each time a compression block completes, so a
 * step never compresses the past again. Under {@code independent_kv} it also keeps the keys and
 * values the selected and the window branch projected for themselves; the model's are then the
 * compression's alone. Each is {@link CachedRows}.
 */
final class NsaCache implements KvCache {
    private static final String NAME = "nsa cache";

    private final int batch;
    private final int capacity;
    private final int kvHeads;
    private final int headDim;
    private final NsaParams params;
    private final boolean independent;
    private final CachedRows keys;
    private final CachedRows values;
    /**
     * The branches' own keys and values in the {@link BranchProjections.Projected} order
     * (selected keys, selected values, window keys, window values); null unless independent.
     */
    private final CachedRows[] own;
    private final CachedRows compressedKeys;
    private final CachedRows compressedValues;
    private int length;
    private int compressed;

    /**
     * @param independent whether the selected and window branches read keys and values of
     *     their own, which the cache then keeps too
     */
    NsaCache(int batch, int capacity, int kvHeads, int headDim, NsaParams params,
            boolean independent) {
        this.batch = batch;
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.params = params;
        this.independent = independent;
        int row = kvHeads * headDim;
        this.keys = new CachedRows(NAME, batch, capacity, row);
        this.values = new CachedRows(NAME, batch, capacity, row);
        this.own = independent ? new CachedRows[4] : null;
        for (int i = 0; independent && i < own.length; i++) {
            own[i] = new CachedRows(NAME, batch, capacity, row);
        }
        this.compressedKeys = new CachedRows(NAME, batch, capacity, row);
        this.compressedValues = new CachedRows(NAME, batch, capacity, row);
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
     * @param ownRows the branches' own keys and values of those positions, laid out alike, as
     *     float arrays of the {@link BranchProjections.Projected} order; null unless independent
     * @throws IllegalStateException when they would exceed the capacity; nothing is appended
     * @throws IllegalArgumentException when {@code own} is given to a shared cache or missing
     *     from an independent one
     */
    void append(float[] k, float[] v, float[][] ownRows, int count, BlockCompressor keyCompressor,
            BlockCompressor valueCompressor) {
        if ((ownRows != null) != independent || ownRows != null && ownRows.length != 4) {
            throw new IllegalArgumentException("nsa cache: the branches' own keys and values "
                    + (independent ? "are needed, four arrays" : "are not kept here"));
        }
        if (count > capacity - length) {
            throw new IllegalStateException("nsa cache: " + count + " more position"
                    + (count == 1 ? "" : "s") + " after the " + length + " cached would exceed "
                    + "its capacity of " + capacity + " (the maximum length it was made for)");
        }
        int next = length + count;
        int nextCompressed = params.compressedTokens(next);
        keys.put(k, length, count);
        values.put(v, length, count);
        for (int i = 0; independent && i < own.length; i++) {
            own[i].put(ownRows[i], length, count);
        }
        for (int b = 0; b < batch; b++) {
            float[] cachedKeys = keys.array(b);
            float[] cachedValues = values.array(b);
            float[] intoKeys = compressedKeys.reserve(b, nextCompressed);
            float[] intoValues = compressedValues.reserve(b, nextCompressed);
            for (int i = compressed; i < nextCompressed; i++) {
                keyCompressor.compress(cachedKeys, i, intoKeys);
                valueCompressor.compress(cachedValues, i, intoValues);
            }
        }
        length = next;
        compressed = nextCompressed;
    }

    /** Sequence {@code b}'s keys, {@code [length, Hkv, D]}. */
    float[] keys(int b) {
        return keys.prefix(b, length);
    }

    /** Sequence {@code b}'s values, {@code [length, Hkv, D]}. */
    float[] values(int b) {
        return values.prefix(b, length);
    }

    /** Sequence {@code b}'s keys of the selected branch, {@code [length, Hkv, D]}. */
    float[] selectedKeys(int b) {
        return independent ? own[0].prefix(b, length) : keys(b);
    }

    /** Sequence {@code b}'s values of the selected branch, {@code [length, Hkv, D]}. */
    float[] selectedValues(int b) {
        return independent ? own[1].prefix(b, length) : values(b);
    }

    /**
     * Sequence {@code b}'s keys of the window branch, {@code [length, Hkv, D]}; unless
     * independent, the selected branch's.
     */
    float[] windowKeys(int b) {
        return independent ? own[2].prefix(b, length) : keys(b);
    }

    /** Sequence {@code b}'s values of the window branch, {@code [length, Hkv, D]}. */
    float[] windowValues(int b) {
        return independent ? own[3].prefix(b, length) : values(b);
    }

    /** Sequence {@code b}'s compressed keys, {@code [compressed, Hkv, D]}. */
    float[] compressedKeys(int b) {
        return compressedKeys.prefix(b, compressed);
    }

    /** Sequence {@code b}'s compressed values, {@code [compressed, Hkv, D]}. */
    float[] compressedValues(int b) {
        return compressedValues.prefix(b, compressed);
    }

    @Override
    public String toString() {
        return "nsa cache of " + batch + " x " + length + "/" + capacity + " positions, "
                + compressed + " compressed, [" + kvHeads + ", " + headDim + "] each"
                + (independent ? ", with the branches' own keys and values" : "");
    }
}
