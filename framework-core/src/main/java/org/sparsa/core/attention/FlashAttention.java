package org.sparsa.core.attention;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Full attention for real sizes: float32 tensors, tiled in the manner of FlashAttention so that
 * no {@code T x T} matrix ever exists. Each query row keeps a running maximum and sum while key
 * tiles stream past (the online softmax), and the forward saves the per-row log-sum-exp so the
 * backward can recompute any probability as {@code exp(score - lse)}.
 *
 * <p>Work is split into (head, tile) items that each own the output rows they write: the
 * forward and the dq pass iterate over query tiles, the dk/dv pass over key tiles (looping over
 * the queries that see them). No two items write the same element and every sum runs in a fixed
 * order, so results are bit-identical from run to run whatever the number of threads. Key tiles
 * that the causal mask or the window hide entirely are never visited, so causal attention does
 * about half the work of unmasked attention.
 *
 * <p>Scores, probabilities and output accumulators are float; the softmax denominator and the
 * {@code dout . o} row terms are summed in double because they collect up to {@code T} terms.
 * Tensors are row-major: q, o and their gradients {@code [T, Hq, D]}, k, v and theirs
 * {@code [T, Hkv, D]}, the log-sum-exp {@code [T, Hq]}.
 */
public final class FlashAttention {
    /**
     * Queries and keys per tile. A 64 x 64 float tile of keys (or queries) with D = 64 is 16 KiB,
     * so the tile being streamed plus the accumulators of the rows it updates stay in the L1/L2
     * caches; 64 floats are also a whole number of SIMD vectors for the inner loops, and
     * sequences of a few hundred tokens still give enough tiles to keep every core busy. With
     * one size for both, query tile i and key tile i hold the same tokens, so the causal bound
     * is simply "key tile <= query tile" and one packing serves q, k, v and dout.
     */
    static final int TILE = 64;

    private FlashAttention() {
    }

    /**
     * What the forward computes.
     *
     * @param o the attention output, {@code [T, Hq, D]}
     * @param lse the log-sum-exp of each row's scaled scores, {@code [T, Hq]}, which the backward
     *     needs
     */
    public record Result(float[] o, float[] lse) {
    }

    /**
     * The gradients of {@code sum(o * dout)}, each shaped like its input.
     *
     * @param dq {@code [T, Hq, D]}
     * @param dk {@code [T, Hkv, D]}
     * @param dv {@code [T, Hkv, D]}
     */
    public record Gradients(float[] dq, float[] dk, float[] dv) {
    }

    /**
     * The attention output and per-row log-sum-exp, computed on the common fork-join pool.
     *
     * @throws IllegalArgumentException when an array's length does not fit {@code spec}
     */
    public static Result forward(FullAttentionSpec spec, float[] q, float[] k, float[] v) {
        return forward(spec, q, k, v, ForkJoinPool.commonPool());
    }

    /**
     * The gradients of {@code sum(o * dout)} with respect to q, k and v, computed on the common
     * fork-join pool.
     *
     * @param o the forward's output
     * @param lse the forward's log-sum-exp
     * @param dout the upstream gradient, {@code [T, Hq, D]}
     * @throws IllegalArgumentException when an array's length does not fit {@code spec}
     */
    public static Gradients backward(FullAttentionSpec spec, float[] q, float[] k, float[] v,
            float[] o, float[] lse, float[] dout) {
        return backward(spec, q, k, v, o, lse, dout, ForkJoinPool.commonPool());
    }

    static Result forward(FullAttentionSpec spec, float[] q, float[] k, float[] v,
            ForkJoinPool pool) {
        spec.requireInputs(q.length, k.length, v.length);
        Layout layout = new Layout(spec);
        float[][] qRows = layout.rows(q, spec.queryHeads());
        float[][] kTiles = layout.tiles(k, spec.kvHeads());
        float[][] vRows = layout.rows(v, spec.kvHeads());
        float[] o = new float[spec.querySize()];
        float[] lse = new float[spec.rowCount()];
        int tiles = layout.tileCount;
        run(pool, spec.queryHeads() * tiles, item -> forwardTile(spec, layout, item / tiles,
                item % tiles, qRows, kTiles, vRows, o, lse));
        return new Result(o, lse);
    }

    static Gradients backward(FullAttentionSpec spec, float[] q, float[] k, float[] v,
            float[] o, float[] lse, float[] dout, ForkJoinPool pool) {
        spec.requireInputs(q.length, k.length, v.length);
        spec.requireQueryShaped("o", o.length);
        spec.requireRowShaped("lse", lse.length);
        spec.requireQueryShaped("dout", dout.length);
        Layout layout = new Layout(spec);
        float[] delta = rowDots(spec, dout, o);
        float[][] qRows = layout.rows(q, spec.queryHeads());
        float[][] qTiles = layout.tiles(q, spec.queryHeads());
        float[][] doutRows = layout.rows(dout, spec.queryHeads());
        float[][] doutTiles = layout.tiles(dout, spec.queryHeads());
        float[][] kRows = layout.rows(k, spec.kvHeads());
        float[][] kTiles = layout.tiles(k, spec.kvHeads());
        float[][] vRows = layout.rows(v, spec.kvHeads());
        float[][] vTiles = layout.tiles(v, spec.kvHeads());
        float[] dq = new float[spec.querySize()];
        float[] dk = new float[spec.kvSize()];
        float[] dv = new float[spec.kvSize()];
        int tiles = layout.tileCount;
        run(pool, spec.queryHeads() * tiles, item -> queryGradientTile(spec, layout,
                item / tiles, item % tiles, qRows, doutRows, kRows, kTiles, vTiles, lse, delta,
                dq));
        run(pool, spec.kvHeads() * tiles, item -> keyValueGradientTile(spec, layout,
                item / tiles, item % tiles, qRows, qTiles, doutRows, doutTiles, kRows, vRows,
                lse, delta, dk, dv));
        return new Gradients(dq, dk, dv);
    }

    /** Output rows of query tile {@code tile}, head {@code h}, streaming the key tiles it sees. */
    private static void forwardTile(FullAttentionSpec spec, Layout layout, int h, int tile,
            float[][] qRows, float[][] kTiles, float[][] vRows, float[] o, float[] lse) {
        int dim = spec.headDim();
        int g = spec.kvHeadOf(h);
        float scale = (float) spec.scale();
        int t0 = tile * TILE;
        int t1 = Math.min(spec.length(), t0 + TILE);
        float[][] acc = new float[TILE][dim];
        float[] rowMax = new float[TILE];
        Arrays.fill(rowMax, Float.NEGATIVE_INFINITY);
        double[] rowSum = new double[TILE];
        float[] p = new float[TILE];
        // Key tiles before the first query's window and after the last query hold no visible key.
        for (int kt = spec.firstVisibleKey(t0) / TILE; kt <= tile; kt++) {
            int s0 = kt * TILE;
            int kBase = layout.tileBase(g, kt);
            for (int t = t0; t < t1; t++) {
                int lo = Math.max(s0, spec.firstVisibleKey(t));
                int hi = Math.min(s0 + TILE - 1, t);
                if (lo > hi) {
                    continue;
                }
                int from = lo - s0;
                int to = hi - s0 + 1;
                int r = t - t0;
                float tileMax = scores(qRows[layout.row(h, t)], kTiles, kBase, from, to, scale,
                        p);
                float newMax = Math.max(rowMax[r], tileMax);
                if (newMax != rowMax[r]) {
                    // Earlier terms were weighted against a smaller maximum; bring them in line.
                    float alpha = (float) Math.exp(rowMax[r] - newMax);
                    rowSum[r] *= alpha;
                    scaleInPlace(acc[r], alpha);
                    rowMax[r] = newMax;
                }
                double sum = rowSum[r];
                for (int j = from; j < to; j++) {
                    p[j] = (float) Math.exp(p[j] - newMax);
                    sum += p[j];
                }
                rowSum[r] = sum;
                accumulate(p, from, to, vRows, layout.row(g, lo), acc[r]);
            }
        }
        for (int t = t0; t < t1; t++) {
            int r = t - t0;
            int out = (t * spec.queryHeads() + h) * dim;
            for (int d = 0; d < dim; d++) {
                o[out + d] = (float) (acc[r][d] / rowSum[r]);
            }
            lse[t * spec.queryHeads() + h] = (float) (rowMax[r] + Math.log(rowSum[r]));
        }
    }

    /** dq for the rows of query tile {@code tile}, head {@code h}. */
    private static void queryGradientTile(FullAttentionSpec spec, Layout layout, int h,
            int tile, float[][] qRows, float[][] doutRows, float[][] kRows, float[][] kTiles,
            float[][] vTiles, float[] lse, float[] delta, float[] dq) {
        int dim = spec.headDim();
        int g = spec.kvHeadOf(h);
        float scale = (float) spec.scale();
        int t0 = tile * TILE;
        int t1 = Math.min(spec.length(), t0 + TILE);
        float[][] acc = new float[TILE][dim];
        float[] ds = new float[TILE];
        float[] dp = new float[TILE];
        for (int kt = spec.firstVisibleKey(t0) / TILE; kt <= tile; kt++) {
            int s0 = kt * TILE;
            int base = layout.tileBase(g, kt);
            for (int t = t0; t < t1; t++) {
                int lo = Math.max(s0, spec.firstVisibleKey(t));
                int hi = Math.min(s0 + TILE - 1, t);
                if (lo > hi) {
                    continue;
                }
                int from = lo - s0;
                int to = hi - s0 + 1;
                int row = t * spec.queryHeads() + h;
                scores(qRows[layout.row(h, t)], kTiles, base, from, to, scale, ds);
                scores(doutRows[layout.row(h, t)], vTiles, base, from, to, 1f, dp);
                for (int j = from; j < to; j++) {
                    // ds = p * (dp - delta), delta = dout . o = sum(p * dp) over the row.
                    float pj = (float) Math.exp(ds[j] - lse[row]);
                    ds[j] = pj * (dp[j] - delta[row]) * scale;
                }
                accumulate(ds, from, to, kRows, layout.row(g, lo), acc[t - t0]);
            }
        }
        for (int t = t0; t < t1; t++) {
            System.arraycopy(acc[t - t0], 0, dq, (t * spec.queryHeads() + h) * dim, dim);
        }
    }

    /**
     * dk and dv for the rows of key tile {@code tile}, kv head {@code g}: every query head of
     * the group and every query that sees a key of the tile, in a fixed order.
     */
    private static void keyValueGradientTile(FullAttentionSpec spec, Layout layout, int g,
            int tile, float[][] qRows, float[][] qTiles, float[][] doutRows,
            float[][] doutTiles, float[][] kRows, float[][] vRows, float[] lse, float[] delta,
            float[] dk, float[] dv) {
        int dim = spec.headDim();
        float scale = (float) spec.scale();
        int s0 = tile * TILE;
        int s1 = Math.min(spec.length(), s0 + TILE);
        float[][] dkAcc = new float[TILE][dim];
        float[][] dvAcc = new float[TILE][dim];
        float[] p = new float[TILE];
        float[] ds = new float[TILE];
        int lastTile = spec.lastQuerySeeing(s1 - 1) / TILE;
        int firstHead = g * spec.groupSize();
        for (int h = firstHead; h < firstHead + spec.groupSize(); h++) {
            // Query tiles before the key tile cannot see it (causal), nor can those past the
            // window of its last key.
            for (int qt = tile; qt <= lastTile; qt++) {
                int t0 = qt * TILE;
                int base = layout.tileBase(h, qt);
                for (int s = s0; s < s1; s++) {
                    int lo = Math.max(t0, s);
                    int hi = Math.min(t0 + TILE - 1, spec.lastQuerySeeing(s));
                    if (lo > hi) {
                        continue;
                    }
                    int from = lo - t0;
                    int to = hi - t0 + 1;
                    // The same products summed in the same order as the forward's scores.
                    scores(kRows[layout.row(g, s)], qTiles, base, from, to, scale, p);
                    scores(vRows[layout.row(g, s)], doutTiles, base, from, to, 1f, ds);
                    for (int j = from; j < to; j++) {
                        int row = (t0 + j) * spec.queryHeads() + h;
                        p[j] = (float) Math.exp(p[j] - lse[row]);
                        ds[j] = p[j] * (ds[j] - delta[row]) * scale;
                    }
                    accumulate(p, from, to, doutRows, layout.row(h, lo), dvAcc[s - s0]);
                    accumulate(ds, from, to, qRows, layout.row(h, lo), dkAcc[s - s0]);
                }
            }
        }
        for (int s = s0; s < s1; s++) {
            int out = (s * spec.kvHeads() + g) * dim;
            System.arraycopy(dkAcc[s - s0], 0, dk, out, dim);
            System.arraycopy(dvAcc[s - s0], 0, dv, out, dim);
        }
    }

    /**
     * {@code out[j] = scale * sum_d row[d] * tiles[base + d][j]} for {@code from <= j < to};
     * returns the largest. The loop runs over d outside and j inside, four dimensions at a time,
     * so the inner loop is a plain multiply-add over arrays indexed alike, which the JIT
     * vectorises.
     */
    private static float scores(float[] row, float[][] tiles, int base, int from, int to,
            float scale, float[] out) {
        Arrays.fill(out, from, to, 0f);
        int dim = row.length;
        int d = 0;
        for (; d + 4 <= dim; d += 4) {
            float x0 = row[d];
            float x1 = row[d + 1];
            float x2 = row[d + 2];
            float x3 = row[d + 3];
            float[] c0 = tiles[base + d];
            float[] c1 = tiles[base + d + 1];
            float[] c2 = tiles[base + d + 2];
            float[] c3 = tiles[base + d + 3];
            for (int j = from; j < to; j++) {
                out[j] += x0 * c0[j] + x1 * c1[j] + x2 * c2[j] + x3 * c3[j];
            }
        }
        for (; d < dim; d++) {
            float x = row[d];
            float[] c = tiles[base + d];
            for (int j = from; j < to; j++) {
                out[j] += x * c[j];
            }
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            out[j] *= scale;
            max = Math.max(max, out[j]);
        }
        return max;
    }

    /**
     * {@code y += sum_j a[j] * rows[first + j - from]} for {@code from <= j < to}, four rows at a
     * time so that y is loaded and stored once per four rows.
     */
    private static void accumulate(float[] a, int from, int to, float[][] rows, int first,
            float[] y) {
        int dim = y.length;
        int j = from;
        int row = first;
        for (; j + 4 <= to; j += 4, row += 4) {
            float a0 = a[j];
            float a1 = a[j + 1];
            float a2 = a[j + 2];
            float a3 = a[j + 3];
            float[] x0 = rows[row];
            float[] x1 = rows[row + 1];
            float[] x2 = rows[row + 2];
            float[] x3 = rows[row + 3];
            for (int d = 0; d < dim; d++) {
                y[d] += a0 * x0[d] + a1 * x1[d] + a2 * x2[d] + a3 * x3[d];
            }
        }
        for (; j < to; j++, row++) {
            float aj = a[j];
            float[] x = rows[row];
            for (int d = 0; d < dim; d++) {
                y[d] += aj * x[d];
            }
        }
    }

    private static void scaleInPlace(float[] x, float factor) {
        for (int d = 0; d < x.length; d++) {
            x[d] *= factor;
        }
    }

    /**
     * {@code dout[t,h] . o[t,h]} per row, {@code [T, Hq]}, summed in double: the softmax
     * backward's row term (shared with the OpenCL path, so both start from the same values).
     */
    static float[] rowDots(FullAttentionSpec spec, float[] dout, float[] o) {
        int dim = spec.headDim();
        float[] delta = new float[spec.rowCount()];
        for (int row = 0; row < delta.length; row++) {
            double sum = 0;
            for (int d = 0; d < dim; d++) {
                sum += (double) dout[row * dim + d] * o[row * dim + d];
            }
            delta[row] = (float) sum;
        }
        return delta;
    }


    private static void run(ForkJoinPool pool, int items, IntConsumer item) {
        pool.invoke(new Items(item, 0, items));
    }

    /**
     * Runs items {@code [from, to)} by halving; which thread runs an item does not change what
     * it computes, so the split only decides speed.
     */
    private static final class Items extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient IntConsumer item;
        private final int from;
        private final int to;

        Items(IntConsumer item, int from, int to) {
            this.item = item;
            this.from = from;
            this.to = to;
        }

        @Override
        protected void compute() {
            if (to - from <= 1) {
                if (to > from) {
                    item.accept(from);
                }
                return;
            }
            int middle = (from + to) >>> 1;
            invokeAll(new Items(item, from, middle), new Items(item, middle, to));
        }
    }

    /**
     * Per-head copies of the {@code [T, H, D]} tensors in the two layouts the loops want: rows
     * (one {@code float[D]} per head and token) and tiles (one zero-padded {@code float[TILE]}
     * per head, tile and dimension). Separate arrays, each indexed from 0, let the JIT see that
     * an inner loop's reads and writes line up, which it needs before it will vectorise.
     */
    private static final class Layout {
        final int length;
        final int dim;
        final int tileCount;

        Layout(FullAttentionSpec spec) {
            this.length = spec.length();
            this.dim = spec.headDim();
            this.tileCount = (length + TILE - 1) / TILE;
        }

        /** The index of head {@code head}, token {@code t} in {@link #rows}. */
        int row(int head, int t) {
            return head * length + t;
        }

        /** The index of dimension 0 of tile {@code tile} of head {@code head} in {@link #tiles}. */
        int tileBase(int head, int tile) {
            return (head * tileCount + tile) * dim;
        }

        float[][] rows(float[] x, int heads) {
            float[][] out = new float[heads * length][];
            for (int head = 0; head < heads; head++) {
                for (int t = 0; t < length; t++) {
                    int in = (t * heads + head) * dim;
                    out[row(head, t)] = Arrays.copyOfRange(x, in, in + dim);
                }
            }
            return out;
        }

        float[][] tiles(float[] x, int heads) {
            float[][] out = new float[heads * tileCount * dim][TILE];
            for (int t = 0; t < length; t++) {
                for (int head = 0; head < heads; head++) {
                    int base = tileBase(head, t / TILE);
                    int in = (t * heads + head) * dim;
                    for (int d = 0; d < dim; d++) {
                        out[base + d][t % TILE] = x[in + d];
                    }
                }
            }
            return out;
        }
    }
}
