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
 * zero where a row does not see a token yet, and hands them to {@link KeyShares}, which adds
 * {@code ds Q} to dkc and {@code (p gate) dout} to dvc as products over the vectors. Rows are
 * taken in ascending order and the heads of a row ascending, so every sum runs in the order of
 * the data alone: no atomics, the same bits from run to run and for any number of threads.
 */
final class CompressedGradients {
    /**
     * Compressed tokens per item, 32 strips of the micro-kernel's six rows: every item packs
     * the queries and douts of all the rows after its first token, so fewer, longer items pack
     * less; at T = 4096 (255 tokens) a kv head still makes two.
     */
    static final int TOKENS = 192;
    /** Query vectors per tile. */
    private static final int VECTORS = 64;
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

    /** One item's scratch and sums. */
    private static final class Item {
        private final NsaKernel.Sizes sizes;
        private final int dim;
        private final int rows;
        /** Queries and douts as the score products' columns, {@code [v / 16][d][v % 16]}. */
        private final float[] queryColumns;
        private final float[] doutColumns;
        /** Scores and {@code dout . vc}, {@code [s - from][v]}. */
        private final float[] scores;
        private final float[] dotScores;
        /** Score gradients and {@code p * gate}, vector by vector, {@code [v][s - from]}. */
        private final float[] gradients;
        private final float[] weights;
        private final float[] p;
        private final float[] ds;
        private final float[] expScratch;
        /** Each vector's compressed log-sum-exp, gate and row term. */
        private final float[] lse;
        private final float[] gate;
        private final float[] delta;
        private final KeyShares shares;

        Item(NsaKernel.Sizes sizes) {
            this.sizes = sizes;
            dim = sizes.dim();
            rows = Math.max(1, VECTORS / sizes.group());
            int vectors = AttentionTiles.roundUp(rows * sizes.group(), STRIP);
            queryColumns = new float[vectors * dim];
            doutColumns = new float[vectors * dim];
            scores = new float[TOKENS * vectors];
            dotScores = new float[TOKENS * vectors];
            gradients = new float[vectors * TOKENS];
            weights = new float[vectors * TOKENS];
            p = new float[vectors];
            ds = new float[vectors];
            expScratch = new float[vectors];
            lse = new float[vectors];
            gate = new float[vectors];
            delta = new float[vectors];
            shares = new KeyShares(TOKENS, dim);
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
                float[] vc, float[] gates, float[] rowLse, float[] dout, double[] rowDelta) {
            int group = sizes.group();
            int hq = sizes.queryHeads();
            int vectors = (t1 - t0) * group;
            int stride = AttentionTiles.roundUp(vectors, STRIP);
            for (int v = 0; v < vectors; v++) {
                int row = (t0 + v / group) * hq + g * group + v % group;
                AttentionTiles.packVector(q, row * dim, sizes.scale(), dim, queryColumns, v);
                AttentionTiles.packVector(dout, row * dim, 1f, dim, doutColumns, v);
                lse[v] = rowLse[row * 3];
                gate[v] = gates[row * 3];
                delta[v] = (float) rowDelta[row * 3];
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
                    p[v] = scores[at + v] - lse[v];
                }
                VectorExp.exp(p, firstVector, vectors, 0f, expScratch);
                for (int v = firstVector; v < vectors; v++) {
                    ds[v] = p[v] * (gate[v] * dotScores[at + v] - delta[v]);
                    p[v] *= gate[v];
                }
                for (int v = 0; v < vectors; v++) {
                    gradients[v * TOKENS + s - from] = ds[v];
                    weights[v * TOKENS + s - from] = p[v];
                }
            }
            for (int v = 0; v < vectors; v++) {
                int at = ((t0 + v / group) * hq + g * group + v % group) * dim;
                int shared = shares.vector(q, dout, at, sizes.scale());
                shares.weigh(shared, 0, gradients, weights, v * TOKENS, to - from);
            }
        }

        /** Writes the summed tokens into dkc and dvc {@code [Nc, Hkv, D]}. */
        void store(int g, int from, int to, float[] dkc, float[] dvc) {
            shares.store(from, to, g, sizes.kvHeads(), dkc, dvc);
        }
    }
}
