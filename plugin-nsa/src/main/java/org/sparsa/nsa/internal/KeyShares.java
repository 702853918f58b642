package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.core.attention.AttentionTiles;

/**
 * The gradients of a range of keys gathered from the query vectors that read them, on the
 * register-tiled micro-kernel: {@code dk_s += sum_v ds_v[s] q_v} and
 * {@code dv_s += sum_v w_v[s] dout_v}, {@code ds} the score gradients and {@code w} the
 * probabilities times the gate. Vectors are taken {@link #VECTORS} at a time as the depth of two
 * products; within and across the batches they keep the order they came in, so each sum is a
 * chain of fused multiply-adds over the vectors in that order. A key a vector does not read
 * weighs zero and leaves the sums as they are.
 */
final class KeyShares {
    /** Query vectors per product. */
    static final int VECTORS = 64;
    private static final int KEYS = AttentionTiles.KEYS_PER_STRIP;
    private static final int STRIP = AttentionTiles.VECTORS_PER_STRIP;

    private final int dim;
    private final int paddedDim;
    private final int keyStrips;
    /**
     * Queries times {@code 1/sqrt(D)} and douts as the products' columns,
     * {@code [d / 16][v][d % 16]}.
     */
    private final float[] queries;
    private final float[] douts;
    /** Score gradients and weights as the products' rows, {@code [s / 6][v][s % 6]}. */
    private final float[] gradients;
    private final float[] weights;
    /** The accumulated dk and dv of the range, {@code [s][paddedDim]}. */
    private final float[] dk;
    private final float[] dv;
    private int vectors;

    /** @param keys the most keys of a range */
    KeyShares(int keys, int dim) {
        this.dim = dim;
        paddedDim = AttentionTiles.roundUp(dim, STRIP);
        keyStrips = (keys + KEYS - 1) / KEYS;
        queries = new float[VECTORS * paddedDim];
        douts = new float[VECTORS * paddedDim];
        gradients = new float[keyStrips * KEYS * VECTORS];
        weights = new float[gradients.length];
        dk = new float[keyStrips * KEYS * paddedDim];
        dv = new float[dk.length];
    }

    /**
     * Starts the next vector: row {@code at} of q, times {@code scale}, and of dout; all its
     * weights zero until {@link #weigh} sets them.
     *
     * @return the vector's index for {@link #weigh}
     */
    int vector(float[] q, float[] dout, int at, float scale) {
        if (vectors == VECTORS) {
            flush();
        }
        int v = vectors++;
        for (int d = 0; d < dim; d++) {
            int to = (d / STRIP * VECTORS + v) * STRIP + d % STRIP;
            queries[to] = q[at + d] * scale;
            douts[to] = dout[at + d];
        }
        for (int ks = 0; ks < keyStrips; ks++) {
            int to = (ks * VECTORS + v) * KEYS;
            Arrays.fill(gradients, to, to + KEYS, 0f);
            Arrays.fill(weights, to, to + KEYS, 0f);
        }
        return v;
    }

    /**
     * Vector v's score gradients and weights of keys {@code [first, first + count)} of the
     * range, from {@code gradient[at ..]} and {@code weight[at ..]}.
     */
    void weigh(int v, int first, float[] gradient, float[] weight, int at, int count) {
        int from = at;
        for (int s = first; s < first + count; ) {
            int lane = s % KEYS;
            int to = (s / KEYS * VECTORS + v) * KEYS + lane;
            int n = Math.min(KEYS - lane, first + count - s);
            System.arraycopy(gradient, from, gradients, to, n);
            System.arraycopy(weight, from, weights, to, n);
            from += n;
            s += n;
        }
    }

    /** Adds the vectors started so far to the sums. */
    private void flush() {
        for (int v = vectors; v < VECTORS; v++) {
            for (int ks = 0; ks < keyStrips; ks++) {
                int to = (ks * VECTORS + v) * KEYS;
                Arrays.fill(gradients, to, to + KEYS, 0f);
                Arrays.fill(weights, to, to + KEYS, 0f);
            }
        }
        AttentionTiles.multiplyAdd(gradients, keyStrips, queries, paddedDim / STRIP, VECTORS,
                dk, paddedDim);
        AttentionTiles.multiplyAdd(weights, keyStrips, douts, paddedDim / STRIP, VECTORS, dv,
                paddedDim);
        vectors = 0;
    }

    /**
     * Writes the sums of keys {@code [from, to)} (the range's first key is from) into rows of
     * kv head g of dk and dv {@code [N, Hkv, D]}, then starts the range's sums again from zero.
     */
    void store(int from, int to, int g, int hkv, float[] dkOut, float[] dvOut) {
        if (vectors > 0) {
            flush();
        }
        for (int s = from; s < to; s++) {
            System.arraycopy(dk, (s - from) * paddedDim, dkOut, (s * hkv + g) * dim, dim);
            System.arraycopy(dv, (s - from) * paddedDim, dvOut, (s * hkv + g) * dim, dim);
        }
        Arrays.fill(dk, 0f);
        Arrays.fill(dv, 0f);
    }
}
