package org.sparsa.core.attention;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import org.sparsa.core.compute.internal.MicroKernel;

/**
 * Full attention for real sizes: float32 tensors, tiled in the manner of FlashAttention so that
 * no {@code T x T} matrix ever exists. Each query row keeps a running maximum and sum while key
 * tiles stream past (the online softmax), and the forward saves the per-row log-sum-exp so the
 * backward can recompute any probability as {@code exp(score - lse)}.
 *
 * <p><b>Work and determinism.</b> The forward splits into (query head, block of query rows)
 * items, each owning the output rows it writes. The backward makes one pass over (query tile,
 * key block) pairs: every pair's probabilities are recomputed once and give its share of dq, dk
 * and dv together. Its items are (kv head, key block), each owning the dk and dv rows of its
 * keys; their shares of a dq row are added in ascending key order, each item waiting for the
 * one before it (see {@code BackwardPass}). Every sum therefore runs in a fixed order, without
 * atomics on the values, and results are bit-identical from run to run whatever the number of
 * threads. Keys that the causal mask or the window hide are never visited, so causal attention
 * does about half the work of unmasked attention.
 *
 * <p><b>Speed.</b> The forward's two products per key tile, the scores and the output update,
 * run on the matrix product's {@link MicroKernel} (Vector API, a tile of results held in
 * registers for the whole depth): the keys and values are packed into its strips once per call,
 * a block's queries once per block, and the online softmax's rescaling of the output is folded
 * into the product's load of its tile. Everything else runs along the 256 query rows of the
 * block. The backward holds its keys and values transposed and runs along the 256 keys of its
 * block, except for dq, which runs along D: the JIT vectorises a loop only when every array in
 * it is indexed by the loop variable itself, and long loops pay their set-up once. Its kernels
 * are small fused multiply-add loops in which three output rows share every load (the shape C2
 * vectorises best; bigger bodies it leaves scalar). The exponential is a vectorisable
 * polynomial ({@link VectorExp#exp(float[], int, int, float, float[])}) rather than a call to
 * {@code Math.exp} per score.
 *
 * <p><b>Precision.</b> Scores, probabilities and accumulators are float. Every product sum is a
 * chain of fused multiply-adds in ascending order, however the loops group them, and queries
 * are scaled by {@code 1/sqrt(D)} before the products, so a score is the same float in both
 * passes and the backward's probabilities match the forward's. The softmax denominator and
 * the {@code dout . o} row terms are summed in double because they collect up to {@code T}
 * terms. Tensors are
 * row-major: q, o and their gradients {@code [T, Hq, D]}, k, v and theirs {@code [T, Hkv, D]},
 * the log-sum-exp {@code [T, Hq]}.
 */
public final class FlashAttention {
    /** Rows of the micro-kernel's tile: keys in the score product, dimensions in the output's. */
    private static final int MR = MicroKernel.ROWS;
    /** Columns of the micro-kernel's tile: query rows in both products. */
    private static final int NR = MicroKernel.COLUMNS;
    /**
     * Query rows per forward item, the length of the forward's inner loops. With D = 64 the
     * transposed queries and output accumulators of a block are 64 KiB each and stay in the L2
     * cache while the keys stream past; a 2-core machine still gets 32 items per head at
     * T = 8192, and loops this long run about twice as fast as loops of 64.
     */
    static final int FORWARD_QUERIES = 256;
    /**
     * Keys per online-softmax step of the forward. Scores go three keys at a time and output
     * updates four, so a multiple of 12 leaves no slower remainder; a 48 x 256 block of scores
     * is 48 KiB.
     */
    static final int FORWARD_KEYS = 48;
    /** Keys per backward item, the length of most of the backward's inner loops. */
    static final int BACKWARD_KEYS = 256;
    /**
     * Query rows per backward step, and so the unit in which shares of dq are added. Scores and
     * dq go three rows at a time and the dk and dv updates four, so a multiple of 12; a
     * 96 x 256 block of probabilities (and one of score gradients) is 96 KiB.
     */
    static final int BACKWARD_QUERIES = 96;

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
        float[] keyStrips = keyStrips(spec, k);
        float[] valueStrips = valueStrips(spec, v);
        float[] o = new float[spec.querySize()];
        float[] lse = new float[spec.rowCount()];
        int blocks = ceilDiv(spec.length(), FORWARD_QUERIES);
        int heads = spec.queryHeads();
        // Later blocks see more keys; handing them out first evens the load.
        run(pool, heads * blocks, item -> forwardBlock(spec, item % heads,
                blocks - 1 - item / heads, q, keyStrips, valueStrips, o, lse));
        return new Result(o, lse);
    }

    static Gradients backward(FullAttentionSpec spec, float[] q, float[] k, float[] v,
            float[] o, float[] lse, float[] dout, ForkJoinPool pool) {
        spec.requireInputs(q.length, k.length, v.length);
        spec.requireQueryShaped("o", o.length);
        spec.requireRowShaped("lse", lse.length);
        spec.requireQueryShaped("dout", dout.length);
        BackwardPass pass = new BackwardPass(spec, q, k, v, lse, rowDots(spec, dout, o), dout);
        // Each worker claims key blocks until none is left, so their number only decides speed.
        int workers = Math.min(pass.items, Math.max(2, pool.getParallelism() + 1));
        run(pool, workers, worker -> pass.work());
        pass.checkEveryShareAdded();
        float[] dq = new float[spec.querySize()];
        int dim = spec.headDim();
        for (int h = 0; h < spec.queryHeads(); h++) {
            for (int t = 0; t < spec.length(); t++) {
                System.arraycopy(pass.dqRows[h * spec.length() + t], 0, dq,
                        (t * spec.queryHeads() + h) * dim, dim);
            }
        }
        return new Gradients(dq, pass.dk, pass.dv);
    }

    /**
     * Output rows of query block {@code block}, head {@code h}. Everything runs along the rows
     * of the block: scores {@code p[j][r]} of key {@code j} against row {@code r}, their
     * running maximum and sum per row, and the output accumulators, transposed as
     * {@code acc[d * rows + r]}. Both products of a key tile, the scores {@code K Qᵀ} and the
     * output update {@code Vᵀ Pᵀ}, are matrix products of packed strips on the
     * {@link MicroKernel}, whose tile of results stays in registers along the whole depth; the
     * keys and values come packed ({@link #keyStrips}, {@link #valueStrips}).
     */
    private static void forwardBlock(FullAttentionSpec spec, int h, int block, float[] q,
            float[] keyStrips, float[] valueStrips, float[] o, float[] lse) {
        int dim = spec.headDim();
        int heads = spec.queryHeads();
        int length = spec.length();
        int g = spec.kvHeadOf(h);
        int t0 = block * FORWARD_QUERIES;
        int rows = Math.min(length, t0 + FORWARD_QUERIES) - t0;
        // Rows and output dimensions padded to whole strips of the micro-kernel's tile.
        int paddedRows = roundUp(rows, NR);
        int paddedDim = roundUp(dim, MR);
        float scale = (float) spec.scale();
        // Qᵀ as strips of 16 rows, step d at (strip * dim + d) * 16; padded rows are zeros.
        float[] queries = new float[paddedRows * dim];
        for (int r = 0; r < rows; r++) {
            int in = ((t0 + r) * heads + h) * dim;
            int at = r / NR * dim * NR + r % NR;
            for (int d = 0; d < dim; d++) {
                queries[at + d * NR] = q[in + d] * scale;
            }
        }
        float[] acc = new float[paddedDim * paddedRows];
        float[] probabilityStrips = new float[paddedRows * FORWARD_KEYS];
        float[] scores = new float[FORWARD_KEYS * paddedRows];
        float[][] p = new float[FORWARD_KEYS][paddedRows];
        int keyStripsPerHead = ceilDiv(length, MR);
        float[] max = new float[rows];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        float[] newMax = new float[rows];
        float[] alpha = new float[paddedRows];
        float[] tileSum = new float[rows];
        float[] scratch = new float[rows];
        double[] sum = new double[rows];
        int[] first = new int[FORWARD_KEYS];
        int[] end = new int[FORWARD_KEYS];
        int firstKey = spec.firstVisibleKey(t0);
        int lastKey = t0 + rows - 1;
        for (int s0 = firstKey - firstKey % FORWARD_KEYS; s0 <= lastKey; s0 += FORWARD_KEYS) {
            int keys = Math.min(FORWARD_KEYS, lastKey + 1 - s0);
            // The rows that see key j, [first, end), and the union of them, [lo, hi).
            int lo = rows;
            int hi = 0;
            for (int j = 0; j < keys; j++) {
                int s = s0 + j;
                first[j] = Math.max(t0, s) - t0;
                end[j] = Math.min(lastKey, spec.lastQuerySeeing(s)) - t0 + 1;
                if (first[j] < end[j]) {
                    lo = Math.min(lo, first[j]);
                    hi = Math.max(hi, end[j]);
                }
            }
            if (lo >= hi) {
                continue;
            }
            int rowFrom = lo / NR;
            int rowTo = ceilDiv(hi, NR);
            // Scores: the tile's keys, in strips of six, by Qᵀ.
            int keyStrip = g * keyStripsPerHead + s0 / MR;
            for (int ks = 0; ks < ceilDiv(keys, MR); ks++) {
                for (int rs = rowFrom; rs < rowTo; rs++) {
                    MicroKernel.update(keyStrips, (keyStrip + ks) * dim * MR, queries,
                            rs * dim * NR, dim, scores, ks * MR * paddedRows + rs * NR,
                            paddedRows, true);
                }
            }
            for (int j = 0; j < keys; j++) {
                System.arraycopy(scores, j * paddedRows + lo, p[j], lo, hi - lo);
            }
            System.arraycopy(max, lo, newMax, lo, hi - lo);
            for (int j = 0; j < keys; j++) {
                if (first[j] < end[j]) {
                    maxInPlace(newMax, p[j], first[j], end[j]);
                }
            }
            boolean rescale = !Arrays.equals(max, lo, hi, newMax, lo, hi);
            if (rescale) {
                // Earlier terms were weighted against a smaller maximum; bring them in line
                // (rows whose maximum stayed get exactly e^0 = 1, and so do the rows of the
                // strips that see no key of the tile). The output's share is applied as the
                // product below loads its tile.
                for (int r = lo; r < hi; r++) {
                    alpha[r] = newMax[r] == max[r] ? 0f : max[r] - newMax[r];
                }
                VectorExp.exp(alpha, lo, hi, 0f, scratch);
                Arrays.fill(alpha, rowFrom * NR, lo, 1f);
                Arrays.fill(alpha, hi, rowTo * NR, 1f);
                for (int r = lo; r < hi; r++) {
                    sum[r] *= alpha[r];
                }
                System.arraycopy(newMax, lo, max, lo, hi - lo);
            }
            Arrays.fill(tileSum, lo, hi, 0f);
            for (int j = 0; j < keys; j++) {
                float[] pj = p[j];
                if (first[j] < end[j]) {
                    VectorExp.exp(pj, first[j], end[j], max, scratch);
                    addInPlace(tileSum, pj, first[j], end[j]);
                    Arrays.fill(pj, lo, first[j], 0f);
                    Arrays.fill(pj, end[j], hi, 0f);
                } else {
                    Arrays.fill(pj, lo, hi, 0f);
                }
            }
            for (int r = lo; r < hi; r++) {
                sum[r] += tileSum[r];
            }
            // Output: Vᵀ of the tile in strips of six dimensions by Pᵀ in strips of 16 rows.
            // Rows of those strips outside [lo, hi) take zeros, which leave their accumulators
            // as they are.
            for (int j = 0; j < keys; j++) {
                Arrays.fill(p[j], rowFrom * NR, lo, 0f);
                Arrays.fill(p[j], hi, rowTo * NR, 0f);
                for (int rs = rowFrom; rs < rowTo; rs++) {
                    System.arraycopy(p[j], rs * NR, probabilityStrips, (rs * keys + j) * NR, NR);
                }
            }
            for (int ds = 0; ds < paddedDim / MR; ds++) {
                int valueStrip = ((g * (paddedDim / MR) + ds) * length + s0) * MR;
                for (int rs = rowFrom; rs < rowTo; rs++) {
                    int at = ds * MR * paddedRows + rs * NR;
                    if (rescale) {
                        MicroKernel.scaleAndUpdate(valueStrips, valueStrip, probabilityStrips,
                                rs * keys * NR, keys, acc, at, paddedRows, alpha, rs * NR);
                    } else {
                        MicroKernel.update(valueStrips, valueStrip, probabilityStrips,
                                rs * keys * NR, keys, acc, at, paddedRows, false);
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            int out = ((t0 + r) * heads + h) * dim;
            for (int d = 0; d < dim; d++) {
                o[out + d] = (float) (acc[d * paddedRows + r] / sum[r]);
            }
            lse[(t0 + r) * heads + h] = (float) (max[r] + Math.log(sum[r]));
        }
    }

    /**
     * The backward in one pass over (query tile, key block) pairs.
     *
     * <p>Workers claim (kv head, key block) items in ascending order. An item owns the dk and dv
     * rows of its keys and sums into them over the query tiles that see them, tile by tile, each
     * head of the group in turn. Its share of the dq rows of a (query head, query tile) goes to
     * a scratch block first and is then added to those rows in turn: key block by key block, in
     * ascending order, each item waiting until the one before it has added its share. The items
     * before it were claimed earlier and never wait on later ones, so the wait always ends (and
     * with one worker it never happens); items of consecutive key blocks advance in step, one
     * tile apart. If a worker fails, the others stop rather than wait for it.
     */
    private static final class BackwardPass {
        final FullAttentionSpec spec;
        final int queryTiles;
        final int items;
        final float scale;
        final float[] k;
        final float[] v;
        final float[] lse;
        final float[] delta;
        /** The queries, scaled as in the forward, one row per (head, position). */
        final float[][] qRows;
        final float[][] doutRows;
        final float[][] kRows;
        final float[][] dqRows;
        final float[] dk;
        final float[] dv;
        /** Per (query head, query tile): how many key blocks have added their share of dq. */
        final AtomicIntegerArray shares;
        final AtomicInteger next = new AtomicInteger();
        volatile boolean failed;

        BackwardPass(FullAttentionSpec spec, float[] q, float[] k, float[] v, float[] lse,
                float[] delta, float[] dout) {
            this.spec = spec;
            this.queryTiles = ceilDiv(spec.length(), BACKWARD_QUERIES);
            this.items = spec.kvHeads() * ceilDiv(spec.length(), BACKWARD_KEYS);
            this.scale = (float) spec.scale();
            this.k = k;
            this.v = v;
            this.lse = lse;
            this.delta = delta;
            this.qRows = rows(spec, q, spec.queryHeads(), scale);
            this.doutRows = rows(spec, dout, spec.queryHeads(), 1f);
            this.kRows = rows(spec, k, spec.kvHeads(), 1f);
            this.dqRows = new float[spec.queryHeads() * spec.length()][spec.headDim()];
            this.dk = new float[spec.kvSize()];
            this.dv = new float[spec.kvSize()];
            this.shares = new AtomicIntegerArray(spec.queryHeads() * queryTiles);
        }

        /** Claims and runs items until none is left. */
        void work() {
            Scratch scratch = new Scratch(spec.headDim());
            try {
                for (int item = next.getAndIncrement(); item < items && !failed;
                        item = next.getAndIncrement()) {
                    keyBlock(item % spec.kvHeads(), item / spec.kvHeads(), scratch);
                }
            } catch (RuntimeException | Error e) {
                // Items after this one would wait for it forever.
                failed = true;
                throw e;
            }
        }

        /** The key blocks whose shares of dq query tile {@code qt} gets: first and last. */
        int firstKeyBlock(int qt) {
            return spec.firstVisibleKey(qt * BACKWARD_QUERIES) / BACKWARD_KEYS;
        }

        int lastKeyBlock(int qt) {
            return (Math.min(spec.length(), (qt + 1) * BACKWARD_QUERIES) - 1) / BACKWARD_KEYS;
        }

        /** dk and dv of key block {@code kb}, kv head {@code g}, and its shares of dq. */
        private void keyBlock(int g, int kb, Scratch w) {
            int dim = spec.headDim();
            int length = spec.length();
            int heads = spec.queryHeads();
            int kvHeads = spec.kvHeads();
            int s0 = kb * BACKWARD_KEYS;
            int keys = Math.min(length, s0 + BACKWARD_KEYS) - s0;
            for (int j = 0; j < keys; j++) {
                int in = ((s0 + j) * kvHeads + g) * dim;
                for (int d = 0; d < dim; d++) {
                    w.keys[d][j] = k[in + d];
                    w.values[d][j] = v[in + d];
                }
            }
            for (int d = 0; d < dim; d++) {
                Arrays.fill(w.dk[d], 0, keys, 0f);
                Arrays.fill(w.dv[d], 0, keys, 0f);
            }
            // Query tiles before the block cannot see it (causal), nor can those past the
            // window of its last key.
            int lastTile = spec.lastQuerySeeing(s0 + keys - 1) / BACKWARD_QUERIES;
            for (int qt = s0 / BACKWARD_QUERIES; qt <= lastTile; qt++) {
                int t0 = qt * BACKWARD_QUERIES;
                int rows = Math.min(length, t0 + BACKWARD_QUERIES) - t0;
                // The keys row r sees, [from, to), and the union of them, [lo, hi).
                int lo = keys;
                int hi = 0;
                for (int r = 0; r < rows; r++) {
                    int t = t0 + r;
                    w.from[r] = Math.max(s0, spec.firstVisibleKey(t)) - s0;
                    w.to[r] = Math.min(s0 + keys - 1, t) - s0 + 1;
                    if (w.from[r] < w.to[r]) {
                        lo = Math.min(lo, w.from[r]);
                        hi = Math.max(hi, w.to[r]);
                    }
                }
                int expected = kb - firstKeyBlock(qt);
                for (int h = g * spec.groupSize(); h < (g + 1) * spec.groupSize(); h++) {
                    if (lo < hi) {
                        block(h, g, s0, t0, rows, lo, hi, w);
                    }
                    int turn = h * queryTiles + qt;
                    awaitTurn(turn, expected);
                    for (int r = 0; r < rows; r++) {
                        if (w.from[r] < w.to[r]) {
                            addScaled(dqRows[h * length + t0 + r], w.dq[r], scale);
                        }
                    }
                    // A volatile write: the next key block's read of it sees these sums.
                    shares.set(turn, expected + 1);
                }
            }
            for (int j = 0; j < keys; j++) {
                int out = ((s0 + j) * kvHeads + g) * dim;
                for (int d = 0; d < dim; d++) {
                    dk[out + d] = w.dk[d][j];
                    dv[out + d] = w.dv[d][j];
                }
            }
        }

        /**
         * One (query head, query tile) against the item's keys: probabilities {@code p[r][j]},
         * score gradients {@code ds[r][j]} (without the 1/sqrt(D) factor, which the scaled
         * queries carry into dk and {@link #addScaled} into dq), the dq share of each row, and
         * the updates of the transposed dk and dv accumulators.
         */
        private void block(int h, int g, int s0, int t0, int rows, int lo, int hi, Scratch w) {
            int length = spec.length();
            int heads = spec.queryHeads();
            int base = h * length + t0;
            // Scores and dout . v three rows at a time over the keys any of them sees; each
            // row's own keys are the ones used.
            int r3 = 0;
            for (; r3 + 3 <= rows; r3 += 3) {
                int from = BACKWARD_KEYS;
                int to = 0;
                for (int r = r3; r < r3 + 3; r++) {
                    if (w.from[r] < w.to[r]) {
                        from = Math.min(from, w.from[r]);
                        to = Math.max(to, w.to[r]);
                    }
                }
                if (from < to) {
                    dot3(qRows[base + r3], qRows[base + r3 + 1], qRows[base + r3 + 2], w.keys,
                            from, to, w.p[r3], w.p[r3 + 1], w.p[r3 + 2]);
                    dot3(doutRows[base + r3], doutRows[base + r3 + 1], doutRows[base + r3 + 2],
                            w.values, from, to, w.ds[r3], w.ds[r3 + 1], w.ds[r3 + 2]);
                }
            }
            for (; r3 < rows; r3++) {
                if (w.from[r3] < w.to[r3]) {
                    dot(qRows[base + r3], w.keys, w.from[r3], w.to[r3], w.p[r3]);
                    dot(doutRows[base + r3], w.values, w.from[r3], w.to[r3], w.ds[r3]);
                }
            }
            for (int r = 0; r < rows; r++) {
                float[] p = w.p[r];
                float[] ds = w.ds[r];
                int from = w.from[r];
                int to = w.to[r];
                if (from >= to) {
                    Arrays.fill(p, lo, hi, 0f);
                    Arrays.fill(ds, lo, hi, 0f);
                    continue;
                }
                int row = (t0 + r) * heads + h;
                VectorExp.exp(p, from, to, lse[row], w.exp);
                // ds = p * (dp - delta), delta = dout . o = sum(p * dp) over the row.
                float rowDelta = delta[row];
                for (int j = from; j < to; j++) {
                    ds[j] = p[j] * (ds[j] - rowDelta);
                }
                Arrays.fill(p, lo, from, 0f);
                Arrays.fill(p, to, hi, 0f);
                Arrays.fill(ds, lo, from, 0f);
                Arrays.fill(ds, to, hi, 0f);
            }
            // dq shares three rows at a time over the keys any of them sees (ds is zero on
            // the others).
            int kBase = g * length + s0;
            r3 = 0;
            for (; r3 + 3 <= rows; r3 += 3) {
                int from = BACKWARD_KEYS;
                int to = 0;
                for (int r = r3; r < r3 + 3; r++) {
                    Arrays.fill(w.dq[r], 0f);
                    if (w.from[r] < w.to[r]) {
                        from = Math.min(from, w.from[r]);
                        to = Math.max(to, w.to[r]);
                    }
                }
                if (from < to) {
                    accumulate3(w.ds[r3], w.ds[r3 + 1], w.ds[r3 + 2], from, to, kRows,
                            kBase + from, w.dq[r3], w.dq[r3 + 1], w.dq[r3 + 2]);
                }
            }
            for (; r3 < rows; r3++) {
                Arrays.fill(w.dq[r3], 0f);
                if (w.from[r3] < w.to[r3]) {
                    accumulate(w.ds[r3], w.from[r3], w.to[r3], kRows, kBase + w.from[r3],
                            w.dq[r3]);
                }
            }
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int from = Math.max(lo, Math.min(Math.min(w.from[r], w.from[r + 1]),
                        Math.min(w.from[r + 2], w.from[r + 3])));
                int to = Math.min(hi, Math.max(Math.max(w.to[r], w.to[r + 1]),
                        Math.max(w.to[r + 2], w.to[r + 3])));
                if (from < to) {
                    rank4Update(w.dv, doutRows[base + r], doutRows[base + r + 1],
                            doutRows[base + r + 2], doutRows[base + r + 3], w.p[r], w.p[r + 1],
                            w.p[r + 2], w.p[r + 3], from, to);
                    rank4Update(w.dk, qRows[base + r], qRows[base + r + 1], qRows[base + r + 2],
                            qRows[base + r + 3], w.ds[r], w.ds[r + 1], w.ds[r + 2],
                            w.ds[r + 3], from, to);
                }
            }
            for (; r < rows; r++) {
                rank1Update(w.dv, doutRows[base + r], w.p[r], w.from[r], w.to[r]);
                rank1Update(w.dk, qRows[base + r], w.ds[r], w.from[r], w.to[r]);
            }
        }

        /** Waits until {@code expected} key blocks have added their share to {@code turn}. */
        private void awaitTurn(int turn, int expected) {
            for (int spins = 0; shares.get(turn) != expected; spins++) {
                if (failed) {
                    throw new IllegalStateException("flash attention backward: another worker "
                            + "failed");
                }
                if (spins < 1000) {
                    Thread.onSpinWait();
                } else if (spins < 1100) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(20_000);
                }
            }
        }

        /** After the pass: every query tile got the share of every key block it sees. */
        void checkEveryShareAdded() {
            for (int h = 0; h < spec.queryHeads(); h++) {
                for (int qt = 0; qt < queryTiles; qt++) {
                    int want = lastKeyBlock(qt) - firstKeyBlock(qt) + 1;
                    int got = shares.get(h * queryTiles + qt);
                    if (got != want) {
                        throw new IllegalStateException("flash attention backward: query tile "
                                + qt + " of head " + h + " got " + got + " dq shares, expected "
                                + want);
                    }
                }
            }
        }
    }

    /** One backward worker's blocks, reused from item to item. */
    private static final class Scratch {
        /** The item's keys and values, transposed: {@code [D][keys]}. */
        final float[][] keys;
        final float[][] values;
        /** dk and dv of the item's keys, transposed: {@code [D][keys]}. */
        final float[][] dk;
        final float[][] dv;
        final float[][] p = new float[BACKWARD_QUERIES][BACKWARD_KEYS];
        final float[][] ds = new float[BACKWARD_QUERIES][BACKWARD_KEYS];
        final float[][] dq;
        final float[] exp = new float[BACKWARD_KEYS];
        final int[] from = new int[BACKWARD_QUERIES];
        final int[] to = new int[BACKWARD_QUERIES];

        Scratch(int dim) {
            keys = new float[dim][BACKWARD_KEYS];
            values = new float[dim][BACKWARD_KEYS];
            dk = new float[dim][BACKWARD_KEYS];
            dv = new float[dim][BACKWARD_KEYS];
            dq = new float[BACKWARD_QUERIES][dim];
        }
    }

    /**
     * {@code out[i] = sum_d x[d] * columns[d][i]} for {@code from <= i < to}: one row against
     * transposed rows. Every score is the same chain of fused multiply-adds, one per dimension in
     * ascending order starting from zero, however the loops group them; both passes compute
     * their scores here or in {@link #dot3}, so a score is the same float whichever side is
     * transposed.
     */
    static void dot(float[] x, float[][] columns, int from, int to, float[] out) {
        int dim = x.length;
        float[] c0 = columns[0];
        float x0 = x[0];
        for (int i = from; i < to; i++) {
            out[i] = Math.fma(x0, c0[i], 0f);
        }
        int d = 1;
        for (; d + 2 <= dim; d += 2) {
            float y0 = x[d];
            float y1 = x[d + 1];
            float[] e0 = columns[d];
            float[] e1 = columns[d + 1];
            for (int i = from; i < to; i++) {
                out[i] = Math.fma(y1, e1[i], Math.fma(y0, e0[i], out[i]));
            }
        }
        if (d < dim) {
            float y0 = x[d];
            float[] e0 = columns[d];
            for (int i = from; i < to; i++) {
                out[i] = Math.fma(y0, e0[i], out[i]);
            }
        }
    }

    /**
     * {@link #dot} for three rows at once, {@code x -> outX}, {@code y -> outY},
     * {@code z -> outZ}: the three share each load of the columns, two dimensions a pass, the
     * shape the JIT vectorises best.
     */
    static void dot3(float[] x, float[] y, float[] z, float[][] columns, int from, int to,
            float[] outX, float[] outY, float[] outZ) {
        int dim = x.length;
        float[] c0 = columns[0];
        float x0 = x[0];
        float y0 = y[0];
        float z0 = z[0];
        for (int i = from; i < to; i++) {
            float e = c0[i];
            outX[i] = Math.fma(x0, e, 0f);
            outY[i] = Math.fma(y0, e, 0f);
            outZ[i] = Math.fma(z0, e, 0f);
        }
        int d = 1;
        for (; d + 2 <= dim; d += 2) {
            float xa = x[d];
            float xb = x[d + 1];
            float ya = y[d];
            float yb = y[d + 1];
            float za = z[d];
            float zb = z[d + 1];
            float[] ca = columns[d];
            float[] cb = columns[d + 1];
            for (int i = from; i < to; i++) {
                float ea = ca[i];
                float eb = cb[i];
                outX[i] = Math.fma(xb, eb, Math.fma(xa, ea, outX[i]));
                outY[i] = Math.fma(yb, eb, Math.fma(ya, ea, outY[i]));
                outZ[i] = Math.fma(zb, eb, Math.fma(za, ea, outZ[i]));
            }
        }
        if (d < dim) {
            float xa = x[d];
            float ya = y[d];
            float za = z[d];
            float[] ca = columns[d];
            for (int i = from; i < to; i++) {
                float ea = ca[i];
                outX[i] = Math.fma(xa, ea, outX[i]);
                outY[i] = Math.fma(ya, ea, outY[i]);
                outZ[i] = Math.fma(za, ea, outZ[i]);
            }
        }
    }

    /**
     * {@code y[d][i] += a0[d] b0[i] + a1[d] b1[i] + a2[d] b2[i] + a3[d] b3[i]} for every
     * {@code d} and {@code from <= i < to}: four rank-one updates of a transposed accumulator,
     * each element one fused multiply-add per term in the order written. Three rows of y at a
     * time share the loads of b, the shape the JIT vectorises best.
     */
    private static void rank4Update(float[][] y, float[] a0, float[] a1, float[] a2, float[] a3,
            float[] b0, float[] b1, float[] b2, float[] b3, int from, int to) {
        int dim = y.length;
        int d = 0;
        for (; d + 3 <= dim; d += 3) {
            float c00 = a0[d];
            float c01 = a1[d];
            float c02 = a2[d];
            float c03 = a3[d];
            float c10 = a0[d + 1];
            float c11 = a1[d + 1];
            float c12 = a2[d + 1];
            float c13 = a3[d + 1];
            float c20 = a0[d + 2];
            float c21 = a1[d + 2];
            float c22 = a2[d + 2];
            float c23 = a3[d + 2];
            float[] y0 = y[d];
            float[] y1 = y[d + 1];
            float[] y2 = y[d + 2];
            for (int i = from; i < to; i++) {
                float e0 = b0[i];
                float e1 = b1[i];
                float e2 = b2[i];
                float e3 = b3[i];
                y0[i] = Math.fma(c03, e3, Math.fma(c02, e2, Math.fma(c01, e1,
                        Math.fma(c00, e0, y0[i]))));
                y1[i] = Math.fma(c13, e3, Math.fma(c12, e2, Math.fma(c11, e1,
                        Math.fma(c10, e0, y1[i]))));
                y2[i] = Math.fma(c23, e3, Math.fma(c22, e2, Math.fma(c21, e1,
                        Math.fma(c20, e0, y2[i]))));
            }
        }
        for (; d < dim; d++) {
            float c0 = a0[d];
            float c1 = a1[d];
            float c2 = a2[d];
            float c3 = a3[d];
            float[] yd = y[d];
            for (int i = from; i < to; i++) {
                yd[i] = Math.fma(c3, b3[i], Math.fma(c2, b2[i], Math.fma(c1, b1[i],
                        Math.fma(c0, b0[i], yd[i]))));
            }
        }
    }

    /** {@code y[d][i] += a[d] b[i]} for every {@code d} and {@code from <= i < to}. */
    private static void rank1Update(float[][] y, float[] a, float[] b, int from, int to) {
        if (from >= to) {
            return;
        }
        for (int d = 0; d < y.length; d++) {
            float c = a[d];
            float[] yd = y[d];
            for (int i = from; i < to; i++) {
                yd[i] = Math.fma(c, b[i], yd[i]);
            }
        }
    }

    /**
     * {@code y += sum_j a[j] * rows[first + j - from]} for {@code from <= j < to}: four rows at
     * a time, one fused multiply-add per term in ascending {@code j}, so that y is loaded and
     * stored once per four rows.
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
                y[d] = Math.fma(a3, x3[d], Math.fma(a2, x2[d], Math.fma(a1, x1[d],
                        Math.fma(a0, x0[d], y[d]))));
            }
        }
        for (; j < to; j++, row++) {
            float aj = a[j];
            float[] x = rows[row];
            for (int d = 0; d < dim; d++) {
                y[d] = Math.fma(aj, x[d], y[d]);
            }
        }
    }

    /**
     * {@link #accumulate} for three rows at once, {@code a -> ya}, {@code b -> yb},
     * {@code c -> yc}: the three share each load of {@code rows}, two rows a pass.
     */
    private static void accumulate3(float[] a, float[] b, float[] c, int from, int to,
            float[][] rows, int first, float[] ya, float[] yb, float[] yc) {
        int dim = ya.length;
        int j = from;
        int row = first;
        for (; j + 2 <= to; j += 2, row += 2) {
            float a0 = a[j];
            float a1 = a[j + 1];
            float b0 = b[j];
            float b1 = b[j + 1];
            float c0 = c[j];
            float c1 = c[j + 1];
            float[] x0 = rows[row];
            float[] x1 = rows[row + 1];
            for (int d = 0; d < dim; d++) {
                float e0 = x0[d];
                float e1 = x1[d];
                ya[d] = Math.fma(a1, e1, Math.fma(a0, e0, ya[d]));
                yb[d] = Math.fma(b1, e1, Math.fma(b0, e0, yb[d]));
                yc[d] = Math.fma(c1, e1, Math.fma(c0, e0, yc[d]));
            }
        }
        if (j < to) {
            float a0 = a[j];
            float b0 = b[j];
            float c0 = c[j];
            float[] x0 = rows[row];
            for (int d = 0; d < dim; d++) {
                float e0 = x0[d];
                ya[d] = Math.fma(a0, e0, ya[d]);
                yb[d] = Math.fma(b0, e0, yb[d]);
                yc[d] = Math.fma(c0, e0, yc[d]);
            }
        }
    }

    /** {@code max[i] = max(max[i], x[i])}. */
    private static void maxInPlace(float[] max, float[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            max[i] = Math.max(max[i], x[i]);
        }
    }

    /** {@code y[i] += x[i]}. */
    private static void addInPlace(float[] y, float[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] += x[i];
        }
    }

    /** {@code y += factor * x}. */
    private static void addScaled(float[] y, float[] x, float factor) {
        for (int d = 0; d < y.length; d++) {
            y[d] += factor * x[d];
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

    /**
     * The keys {@code [T, Hkv, D]} packed for the forward's score products: per kv head, strips
     * of {@link #MR} consecutive keys, each laid out dimension by dimension
     * ({@code [head][s / MR][d][s % MR]}); keys past {@code T} are zeros.
     */
    private static float[] keyStrips(FullAttentionSpec spec, float[] k) {
        int length = spec.length();
        int heads = spec.kvHeads();
        int dim = spec.headDim();
        int perHead = ceilDiv(length, MR);
        float[] out = new float[heads * perHead * dim * MR];
        for (int g = 0; g < heads; g++) {
            for (int s = 0; s < length; s++) {
                int in = (s * heads + g) * dim;
                int at = (g * perHead + s / MR) * dim * MR + s % MR;
                for (int d = 0; d < dim; d++) {
                    out[at + d * MR] = k[in + d];
                }
            }
        }
        return out;
    }

    /**
     * The values {@code [T, Hkv, D]} packed for the forward's output products: per kv head,
     * strips of {@link #MR} dimensions, each laid out key by key
     * ({@code [head][d / MR][s][d % MR]}); dimensions past {@code D} are zeros.
     */
    private static float[] valueStrips(FullAttentionSpec spec, float[] v) {
        int length = spec.length();
        int heads = spec.kvHeads();
        int dim = spec.headDim();
        int strips = ceilDiv(dim, MR);
        float[] out = new float[heads * strips * length * MR];
        for (int g = 0; g < heads; g++) {
            for (int s = 0; s < length; s++) {
                int in = (s * heads + g) * dim;
                for (int d = 0; d < dim; d++) {
                    out[((g * strips + d / MR) * length + s) * MR + d % MR] = v[in + d];
                }
            }
        }
        return out;
    }

    /**
     * Per-head copies of a {@code [T, H, D]} tensor, one {@code float[D]} per head and position
     * ({@code rows[head * T + t]}), each multiplied by {@code factor}. Separate arrays, each
     * indexed from 0, let the JIT see that an inner loop's reads and writes line up.
     */
    private static float[][] rows(FullAttentionSpec spec, float[] x, int heads, float factor) {
        int length = spec.length();
        int dim = spec.headDim();
        float[][] out = new float[heads * length][];
        for (int head = 0; head < heads; head++) {
            for (int t = 0; t < length; t++) {
                int in = (t * heads + head) * dim;
                float[] row = new float[dim];
                for (int d = 0; d < dim; d++) {
                    row[d] = x[in + d] * factor;
                }
                out[head * length + t] = row;
            }
        }
        return out;
    }

    private static int roundUp(int value, int multiple) {
        return ceilDiv(value, multiple) * multiple;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
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
}
