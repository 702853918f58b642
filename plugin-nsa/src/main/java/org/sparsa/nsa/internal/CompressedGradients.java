package org.sparsa.nsa.internal;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.sparsa.core.attention.AttentionTiles;
import org.sparsa.core.attention.VectorExp;

/**
 * dkc and dvc, the gradients of the compressed keys and values, on the register-tiled
 * micro-kernel: one item per (kv head, range of {@link #TOKENS} compressed tokens), which
 * gathers the shares of its tokens from every row that sees them, a tile of rows at a time.
 *
 * <p>For a tile of query vectors (the query heads of a few rows) the item recomputes the scores
 * {@code Kc Qᵀ} and {@code Vc doutᵀ} of its tokens as two products, turns them into
 * {@code p = exp(score - lse)} and the score gradients {@code ds = p (gate dout . vc - delta)},
 * zero where a row does not see a token yet, and adds {@code ds Q} to dkc and
 * {@code (p gate) dout} to dvc as two more products whose depth is the tile's vectors. Rows are
 * taken in ascending order and the heads of a row ascending, so every sum runs in the order of
 * the data alone: no atomics, the same bits from run to run and for any number of threads.
 */
final class CompressedGradients {
    /** Compressed tokens per item: sixteen strips of the micro-kernel's six rows. */
    static final int TOKENS = 96;
    /** Query vectors per tile. */
    private static final int VECTORS = 64;
    private static final int KEYS = AttentionTiles.KEYS_PER_STRIP;
    private static final int STRIP = AttentionTiles.VECTORS_PER_STRIP;

    private CompressedGradients() {
    }

    /**
     * Fills dkc and dvc {@code [Nc, Hkv, D]}.
     *
     * @param kc the compressed keys packed by {@link AttentionTiles#packKeys}
     * @param vc the compressed values packed the same way: they are scored against dout
     * @param delta the row terms {@code gate_b dout . o_b}, {@code [T, Hq, 3]}
     */
    static void run(NsaKernel.Sizes sizes, float[] q, float[] kc, float[] vc, float[] gates,
            float[] lse, float[] dout, double[] delta, float[] dkc, float[] dvc) {
        int compressed = sizes.compressed();
        int hkv = sizes.kvHeads();
        int ranges = (compressed + TOKENS - 1) / TOKENS;
        IntStream.range(0, hkv * ranges).parallel().forEach(item -> {
            Item work = new Item(sizes);
            int g = item % hkv;
            int from = item / hkv * TOKENS;
            work.run(g, from, Math.min(compressed, from + TOKENS), q, kc, vc, gates, lse, dout,
                    delta);
            work.store(g, from, Math.min(compressed, from + TOKENS), dkc, dvc);
        });
    }

    /** One item's scratch and accumulators. */
    private static final class Item {
        private final NsaKernel.Sizes sizes;
        private final int dim;
        private final int rows;
        /** Queries and douts as the score products' columns, {@code [v / 16][d][v % 16]}. */
        private final float[] queryColumns;
        private final float[] doutColumns;
        /** Queries and douts as the gradient products' columns, {@code [d / 16][v][d % 16]}. */
        private final float[] queryDepth;
        private final float[] doutDepth;
        /** Scores, then score gradients, {@code [s - from][v]}. */
        private final float[] scores;
        private final float[] dotScores;
        /** ds and p gate as the gradient products' rows, {@code [(s - from) / 6][v][s % 6]}. */
        private final float[] dsRows;
        private final float[] pRows;
        private final float[] p;
        private final float[] ds;
        private final float[] expScratch;
        /** The accumulators of dkc and dvc, {@code [s - from][paddedDim]}. */
        private final float[] dk;
        private final float[] dv;
        private final int paddedDim;

        Item(NsaKernel.Sizes sizes) {
            this.sizes = sizes;
            dim = sizes.dim();
            rows = Math.max(1, VECTORS / sizes.group());
            int vectors = AttentionTiles.roundUp(rows * sizes.group(), STRIP);
            paddedDim = AttentionTiles.roundUp(dim, STRIP);
            queryColumns = new float[vectors * dim];
            doutColumns = new float[vectors * dim];
            queryDepth = new float[vectors * paddedDim];
            doutDepth = new float[vectors * paddedDim];
            scores = new float[TOKENS * vectors];
            dotScores = new float[TOKENS * vectors];
            dsRows = new float[TOKENS * vectors];
            pRows = new float[TOKENS * vectors];
            p = new float[vectors];
            ds = new float[vectors];
            expScratch = new float[vectors];
            dk = new float[TOKENS * paddedDim];
            dv = new float[TOKENS * paddedDim];
        }

        /** The shares of tokens {@code [from, to)} of kv head g, from every row seeing them. */
        void run(int g, int from, int to, float[] q, float[] kc, float[] vc, float[] gates,
                float[] lse, float[] dout, double[] delta) {
            NsaParams params = sizes.params();
            int length = sizes.length();
            int first = from * params.stride() + params.blockLen() - 1;
            for (int t0 = first; t0 < length; t0 += rows) {
                tile(g, from, to, t0, Math.min(length, t0 + rows), q, kc, vc, gates, lse, dout,
                        delta);
            }
        }

        private void tile(int g, int from, int to, int t0, int t1, float[] q, float[] kc,
                float[] vc, float[] gates, float[] lse, float[] dout, double[] delta) {
            int group = sizes.group();
            int hq = sizes.queryHeads();
            int vectors = (t1 - t0) * group;
            int stride = AttentionTiles.roundUp(vectors, STRIP);
            float scale = sizes.scale();
            for (int t = t0; t < t1; t++) {
                for (int x = 0; x < group; x++) {
                    int v = (t - t0) * group + x;
                    int at = (t * hq + g * group + x) * dim;
                    AttentionTiles.packVector(q, at, scale, dim, queryColumns, v);
                    AttentionTiles.packVector(dout, at, 1f, dim, doutColumns, v);
                    for (int d = 0; d < dim; d++) {
                        int to16 = (d / STRIP * vectors + v) * STRIP + d % STRIP;
                        queryDepth[to16] = q[at + d] * scale;
                        doutDepth[to16] = dout[at + d];
                    }
                }
            }
            int compressed = sizes.compressed();
            AttentionTiles.scores(kc, compressed, g, dim, from, to, queryColumns, stride / STRIP,
                    scores, stride);
            AttentionTiles.scores(vc, compressed, g, dim, from, to, doutColumns, stride / STRIP,
                    dotScores, stride);
            int seeing = 0;
            for (int s = from; s < to; s++) {
                // The rows that see token s: from the first whose blocks cover it, on.
                while (seeing < t1 - t0 && sizes.visibleCompressed(t0 + seeing) <= s) {
                    seeing++;
                }
                int firstVector = seeing * group;
                Arrays.fill(p, 0, vectors, 0f);
                Arrays.fill(ds, 0, vectors, 0f);
                int at = (s - from) * stride;
                for (int v = firstVector; v < vectors; v++) {
                    int rowAt = ((t0 + v / group) * hq + g * group + v % group) * 3;
                    p[v] = scores[at + v] - lse[rowAt];
                }
                VectorExp.exp(p, firstVector, vectors, 0f, expScratch);
                for (int v = firstVector; v < vectors; v++) {
                    int rowAt = ((t0 + v / group) * hq + g * group + v % group) * 3;
                    float gate = gates[rowAt];
                    ds[v] = p[v] * (gate * dotScores[at + v] - (float) delta[rowAt]);
                    p[v] *= gate;
                }
                int rowsAt = (s - from) / KEYS * vectors * KEYS + (s - from) % KEYS;
                for (int v = 0; v < vectors; v++) {
                    dsRows[rowsAt + v * KEYS] = ds[v];
                    pRows[rowsAt + v * KEYS] = p[v];
                }
            }
            // A last strip's rows past the range add to accumulators that are never stored.
            int tokenStrips = (to - from + KEYS - 1) / KEYS;
            AttentionTiles.multiplyAdd(dsRows, tokenStrips, queryDepth, paddedDim / STRIP,
                    vectors, dk, paddedDim);
            AttentionTiles.multiplyAdd(pRows, tokenStrips, doutDepth, paddedDim / STRIP,
                    vectors, dv, paddedDim);
        }

        /** Writes the accumulated tokens into dkc and dvc {@code [Nc, Hkv, D]}. */
        void store(int g, int from, int to, float[] dkc, float[] dvc) {
            int hkv = sizes.kvHeads();
            for (int s = from; s < to; s++) {
                System.arraycopy(dk, (s - from) * paddedDim, dkc, (s * hkv + g) * dim, dim);
                System.arraycopy(dv, (s - from) * paddedDim, dvc, (s * hkv + g) * dim, dim);
            }
        }
    }
}
