package org.sparsa.nsa.internal;

import org.sparsa.core.attention.AttentionTiles;
import org.sparsa.core.attention.VectorExp;

/**
 * The gradients of one range of keys of one branch, gathered from the query rows that read
 * them: a selection block from the rows that chose it, the same block from the rows whose window
 * covers it, or a range of compressed tokens from every row that sees them. One work item owns
 * the range; rows come in ascending order, each with the part of the range it reads.
 *
 * <p>Rows are taken a batch at a time, all query heads of the kv group each. For a batch the
 * range's scores {@code K Qᵀ} and {@code V doutᵀ} are two register-tiled products
 * ({@link AttentionTiles}), computed as the forward and the query side compute them (the same
 * chain of fused multiply-adds per score); each vector's probabilities
 * {@code p = exp(score - lse)} and score gradients {@code ds = p (gate dout . v - delta)} on
 * the keys it reads, zero on the others, go to {@link KeyShares}, which adds {@code ds q} to dk
 * and {@code (p gate) dout} to dv. Recomputing them costs two products per batch; keeping them
 * from the query side would cost {@code T Hq (n l' + w)} floats of each, 1.6 GB at T = 32768
 * with the paper's sizes.
 */
final class KeyGradients {
    private static final int STRIP = AttentionTiles.VECTORS_PER_STRIP;
    private static final int KEYS = AttentionTiles.KEYS_PER_STRIP;

    private final NsaKernel.Sizes sizes;
    private final float[] q;
    private final float[] dout;
    private final float[] gates;
    private final float[] lse;
    private final double[] delta;
    /** Rows per batch: a product's worth of vectors. */
    private final int batchRows;
    private final int[] rows;
    private final int[] lo;
    private final int[] hi;
    /** The batch's queries and douts as the score products' columns, {@code [v/16][d][v%16]}. */
    private final float[] queries;
    private final float[] douts;
    /** Scores and {@code dout . v}, {@code [s - keyFrom][v]}. */
    private final float[] scores;
    private final float[] dots;
    /** One vector's probabilities times the gate and score gradients, {@code [s - from]}. */
    private final float[] p;
    private final float[] ds;
    private final float[] expScratch;
    private final KeyShares shares;
    private float[] keys;
    private float[] dotValues;
    private int length;
    private int g;
    private int branch;
    private int from;
    private int to;
    private int pending;

    /**
     * @param range the most keys of a range
     * @param delta the row terms {@code gate_b dout . o_b}, {@code [T, Hq, 3]}
     */
    KeyGradients(NsaKernel.Sizes sizes, int range, float[] q, float[] dout, float[] gates,
            float[] lse, double[] delta) {
        this.sizes = sizes;
        this.q = q;
        this.dout = dout;
        this.gates = gates;
        this.lse = lse;
        this.delta = delta;
        batchRows = Math.max(1, KeyShares.VECTORS / sizes.group());
        rows = new int[batchRows];
        lo = new int[batchRows];
        hi = new int[batchRows];
        int vectors = AttentionTiles.roundUp(batchRows * sizes.group(), STRIP);
        queries = new float[vectors * sizes.dim()];
        douts = new float[vectors * sizes.dim()];
        scores = new float[AttentionTiles.roundUp(range + KEYS, KEYS) * vectors];
        dots = new float[scores.length];
        p = new float[range];
        ds = new float[range];
        expScratch = new float[range];
        shares = new KeyShares(range, sizes.dim());
    }

    /**
     * Starts the range {@code [from, to)} of kv head g of branch {@code branch} (0 compressed,
     * 1 selected, 2 window), whose keys and values are packed by {@link AttentionTiles#packKeys}
     * for {@code length} keys.
     */
    void begin(float[] keys, float[] dotValues, int length, int g, int branch, int from,
            int to) {
        this.keys = keys;
        this.dotValues = dotValues;
        this.length = length;
        this.g = g;
        this.branch = branch;
        this.from = from;
        this.to = to;
    }

    /** Row t, which reads the range's keys {@code [first, end)}; rows come in ascending order. */
    void row(int t, int first, int end) {
        if (pending == batchRows) {
            flush();
        }
        rows[pending] = t;
        lo[pending] = first;
        hi[pending] = end;
        pending++;
    }

    /** Writes the range's gradients into rows of kv head g of dk and dv {@code [N, Hkv, D]}. */
    void end(float[] dk, float[] dv) {
        flush();
        shares.store(from, to, g, sizes.kvHeads(), dk, dv);
    }

    private void flush() {
        if (pending == 0) {
            return;
        }
        int group = sizes.group();
        int hq = sizes.queryHeads();
        int dim = sizes.dim();
        int stride = AttentionTiles.roundUp(pending * group, STRIP);
        for (int r = 0; r < pending; r++) {
            for (int x = 0; x < group; x++) {
                int at = (rows[r] * hq + g * group + x) * dim;
                AttentionTiles.packVector(q, at, sizes.scale(), dim, queries, r * group + x);
                AttentionTiles.packVector(dout, at, 1f, dim, douts, r * group + x);
            }
        }
        int keyFrom = from - from % KEYS;
        AttentionTiles.scores(keys, length, g, dim, keyFrom, to, queries, stride / STRIP, scores,
                stride);
        AttentionTiles.scores(dotValues, length, g, dim, keyFrom, to, douts, stride / STRIP,
                dots, stride);
        for (int r = 0; r < pending; r++) {
            int a = lo[r] - from;
            int b = hi[r] - from;
            for (int x = 0; x < group; x++) {
                int v = r * group + x;
                int rowAt = (rows[r] * hq + g * group + x) * 3 + branch;
                float rowLse = lse[rowAt];
                float gate = gates[rowAt];
                float rowDelta = (float) delta[rowAt];
                int at = (from - keyFrom) * stride + v;
                for (int j = a; j < b; j++) {
                    p[j] = scores[at + j * stride] - rowLse;
                }
                VectorExp.exp(p, a, b, 0f, expScratch);
                for (int j = a; j < b; j++) {
                    ds[j] = p[j] * (gate * dots[at + j * stride] - rowDelta);
                    p[j] *= gate;
                }
                // The vector starts with zero weights: the keys it does not read stay so.
                int shared = shares.vector(q, dout, (rows[r] * hq + g * group + x) * dim,
                        sizes.scale());
                shares.weigh(shared, a, ds, p, a, b - a);
            }
        }
        pending = 0;
    }
}
