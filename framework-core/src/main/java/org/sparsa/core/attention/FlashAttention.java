package org.sparsa.core.attention;

import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
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
 * <p><b>Speed.</b> Every product, two per key tile in the forward (scores, output update) and
 * five per (query tile, key block) pair in the backward (scores, {@code dout . v}, dv, dk, dq),
 * runs on the matrix product's {@link MicroKernel}: a 6 x 16 tile of results held in vector
 * registers for the whole depth. Operands are packed into its strips: the forward's keys and
 * values once per call and a block's queries once per block, the backward's keys and values
 * once per key block. The online softmax's rescaling of the output is folded into the output
 * product's load of its tile. The element-wise steps (maximum, exponential, sums, score
 * gradients) run along the 256 query rows of a forward block and along the keys of a backward
 * one; the exponential is a vectorisable polynomial
 * ({@link VectorExp#exp(float[], int, int, float, float[])}) rather than a call to
 * {@code Math.exp} per score. Without the Vector API the micro-kernel's plain loops give the same
 * bits, many times slower.
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
     * Query rows per forward item, the length of the forward's element-wise loops. With D = 64
     * the packed queries and output accumulators of a block are 64 KiB each and stay in the L2
     * cache while the keys stream past; a 2-core machine still gets 32 items per head at
     * T = 8192. A multiple of the micro-kernel's 16 columns.
     */
    static final int FORWARD_QUERIES = 256;
    /**
     * Keys per online-softmax step of the forward: a multiple of the micro-kernel's six rows (the
     * score product's keys); a 48 x 256 block of scores is 48 KiB.
     */
    static final int FORWARD_KEYS = 48;
    /**
     * Keys per backward item, the length of its element-wise loops; a multiple of the
     * micro-kernel's 16 columns.
     */
    static final int BACKWARD_KEYS = 256;
    /**
     * Query rows per backward step, and so the unit in which shares of dq are added: a
     * multiple of the micro-kernel's six rows (the rows of the score and dq products); a
     * 96 x 256 block of probabilities (and one of score gradients) is 96 KiB.
     */
    static final int BACKWARD_QUERIES = 96;
    /**
     * Scratch objects of each kind kept between calls: a forward item's is about 0.3 MB and a
     * backward worker's 0.8 MB at D = 64, and a call uses one per worker at a time.
     */
    private static final int KEPT_SCRATCH = 16;
    private static final Queue<ForwardScratch> FORWARD_SCRATCH = new ConcurrentLinkedQueue<>();
    private static final Queue<Scratch> BACKWARD_SCRATCH = new ConcurrentLinkedQueue<>();

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
        float[] keyStrips = AttentionTiles.packKeys(k, spec.length(), spec.kvHeads(),
                spec.headDim());
        float[] valueStrips = AttentionTiles.packValues(v, spec.length(), spec.kvHeads(),
                spec.headDim());
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
        return new Gradients(pass.dq, pass.dk, pass.dv);
    }

    /**
     * Output rows of query block {@code block}, head {@code h}. Everything runs along the rows
     * of the block: scores {@code p[j][r]} of key {@code j} against row {@code r}, their
     * running maximum and sum per row, and the output accumulators, transposed as
     * {@code acc[d * rows + r]}. Both products of a key tile, the scores {@code K Qᵀ} and the
     * output update {@code Vᵀ Pᵀ}, are matrix products of packed strips on the
     * {@link MicroKernel}, whose tile of results stays in registers along the whole depth; the
     * keys and values come packed ({@link AttentionTiles#packKeys},
     * {@link AttentionTiles#packValues}).
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
        ForwardScratch w = take(FORWARD_SCRATCH, dim, ForwardScratch::new);
        // Qᵀ as strips of 16 rows, step d at (strip * dim + d) * 16; padded rows are zeros.
        float[] queries = w.queries;
        for (int r = 0; r < paddedRows; r++) {
            int in = ((t0 + r) * heads + h) * dim;
            int at = r / NR * dim * NR + r % NR;
            for (int d = 0; d < dim; d++) {
                queries[at + d * NR] = r < rows ? q[in + d] * scale : 0f;
            }
        }
        // The scratch is reused: what is read before it is written starts here.
        float[] acc = w.acc;
        Arrays.fill(acc, 0, paddedDim * paddedRows, 0f);
        float[] probabilityStrips = w.probabilityStrips;
        float[] scores = w.scores;
        float[][] p = w.p;
        int keyStripsPerHead = ceilDiv(length, MR);
        float[] max = w.max;
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        float[] newMax = w.newMax;
        float[] alpha = w.alpha;
        float[] tileSum = w.tileSum;
        float[] scratch = w.scratch;
        double[] sum = w.sum;
        Arrays.fill(sum, 0);
        int[] first = w.first;
        int[] end = w.end;
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
        giveBack(FORWARD_SCRATCH, w);
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
        final float[] q;
        final float[] dout;
        final float[] dq;
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
            this.q = q;
            this.dout = dout;
            this.dq = new float[spec.querySize()];
            this.dk = new float[spec.kvSize()];
            this.dv = new float[spec.kvSize()];
            this.shares = new AtomicIntegerArray(spec.queryHeads() * queryTiles);
        }

        /** Claims and runs items until none is left. */
        void work() {
            Scratch scratch = take(BACKWARD_SCRATCH, spec.headDim(), Scratch::new);
            try {
                for (int item = next.getAndIncrement(); item < items && !failed;
                        item = next.getAndIncrement()) {
                    keyBlock(item % spec.kvHeads(), item / spec.kvHeads(), scratch);
                }
                giveBack(BACKWARD_SCRATCH, scratch);
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
            // Keys and values as strips of 16 keys, dimension by dimension, for the score
            // products; keys also as strips of 16 dimensions, key by key, for dq's product.
            Arrays.fill(w.keyStrips, 0f);
            Arrays.fill(w.valueStrips, 0f);
            Arrays.fill(w.keyColumns, 0f);
            for (int j = 0; j < keys; j++) {
                int in = ((s0 + j) * kvHeads + g) * dim;
                int at = j / NR * dim * NR + j % NR;
                for (int d = 0; d < dim; d++) {
                    w.keyStrips[at + d * NR] = k[in + d];
                    w.valueStrips[at + d * NR] = v[in + d];
                    w.keyColumns[(d / NR * BACKWARD_KEYS + j) * NR + d % NR] = k[in + d];
                }
            }
            Arrays.fill(w.dk, 0f);
            Arrays.fill(w.dv, 0f);
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
                            addScaled(dq, ((t0 + r) * heads + h) * dim, w.dq, r * w.dqStride,
                                    dim, scale);
                        }
                    }
                    // A volatile write: the next key block's read of it sees these sums.
                    shares.set(turn, expected + 1);
                }
            }
            for (int j = 0; j < keys; j++) {
                int out = ((s0 + j) * kvHeads + g) * dim;
                for (int d = 0; d < dim; d++) {
                    dk[out + d] = w.dk[d * BACKWARD_KEYS + j];
                    dv[out + d] = w.dv[d * BACKWARD_KEYS + j];
                }
            }
        }

        /**
         * One (query head, query tile) against the item's keys: probabilities {@code p[r][j]},
         * score gradients {@code ds[r][j]} (without the 1/sqrt(D) factor, which the scaled
         * queries carry into dk and {@link #addScaled} into dq), the dq share of each row, and
         * the updates of the transposed dk and dv accumulators. The five products (scores,
         * {@code dout . v}, dv, dk and dq) run on the {@link MicroKernel} over packed strips;
         * every element is still one chain of fused multiply-adds in ascending order, and the
         * zeros that pad the strips leave the chains as they are.
         */
        private void block(int h, int g, int s0, int t0, int rows, int lo, int hi, Scratch w) {
            int dim = spec.headDim();
            int heads = spec.queryHeads();
            int stride = BACKWARD_KEYS;
            // Row strips of six (a tile is a multiple of six rows) and key strips of 16 that
            // cover the keys any row sees.
            int rowStrips = ceilDiv(rows, MR);
            int k0 = lo / NR * NR;
            int k1 = Math.min(stride, ceilDiv(hi, NR) * NR);
            // The queries scaled as in the forward, so that a score is the same float in both.
            for (int r = 0; r < rowStrips * MR; r++) {
                int in = ((t0 + r) * heads + h) * dim;
                int across = r / MR * dim * MR + r % MR;
                for (int d = 0; d < dim; d++) {
                    float qd = r < rows ? q[in + d] * scale : 0f;
                    float dd = r < rows ? dout[in + d] : 0f;
                    // [r / 6][d][r % 6] for the score products, [d / 6][r][d % 6] for dv, dk.
                    w.queryStrips[across + d * MR] = qd;
                    w.doutStrips[across + d * MR] = dd;
                    int down = (d / MR * rowStrips * MR + r) * MR + d % MR;
                    w.queryDown[down] = qd;
                    w.doutDown[down] = dd;
                }
            }
            for (int rs = 0; rs < rowStrips; rs++) {
                for (int ks = k0 / NR; ks < k1 / NR; ks++) {
                    int tile = rs * MR * stride + ks * NR;
                    MicroKernel.update(w.queryStrips, rs * dim * MR, w.keyStrips,
                            ks * dim * NR, dim, w.p, tile, stride, true);
                    MicroKernel.update(w.doutStrips, rs * dim * MR, w.valueStrips,
                            ks * dim * NR, dim, w.ds, tile, stride, true);
                }
            }
            for (int r = 0; r < rowStrips * MR; r++) {
                int row0 = r * stride;
                int from = r < rows ? w.from[r] : 0;
                int to = r < rows ? w.to[r] : 0;
                if (from >= to) {
                    Arrays.fill(w.p, row0 + k0, row0 + k1, 0f);
                    Arrays.fill(w.ds, row0 + k0, row0 + k1, 0f);
                    continue;
                }
                int row = (t0 + r) * heads + h;
                VectorExp.exp(w.p, row0 + from, row0 + to, lse[row], w.exp);
                // ds = p * (dp - delta), delta = dout . o = sum(p * dp) over the row.
                float rowDelta = delta[row];
                for (int j = row0 + from; j < row0 + to; j++) {
                    w.ds[j] = w.p[j] * (w.ds[j] - rowDelta);
                }
                Arrays.fill(w.p, row0 + k0, row0 + from, 0f);
                Arrays.fill(w.p, row0 + to, row0 + k1, 0f);
                Arrays.fill(w.ds, row0 + k0, row0 + from, 0f);
                Arrays.fill(w.ds, row0 + to, row0 + k1, 0f);
            }
            // p and ds as strips of 16 keys, row by row ([key / 16][r][key % 16]), the depth of
            // the dv and dk products being the rows; ds also as strips of six rows, key by key
            // ([r / 6][key][r % 6]), the depth of dq's product being the keys.
            int depth = k1 - k0;
            for (int r = 0; r < rowStrips * MR; r++) {
                for (int ks = k0 / NR; ks < k1 / NR; ks++) {
                    int at = (ks * rowStrips * MR + r) * NR;
                    System.arraycopy(w.p, r * stride + ks * NR, w.pStrips, at, NR);
                    System.arraycopy(w.ds, r * stride + ks * NR, w.dsStrips, at, NR);
                }
                int down = r / MR * depth * MR + r % MR;
                for (int j = k0; j < k1; j++) {
                    w.dsDown[down + (j - k0) * MR] = w.ds[r * stride + j];
                }
            }
            int dimStrips = ceilDiv(dim, MR);
            for (int ds = 0; ds < dimStrips; ds++) {
                int a = ds * rowStrips * MR * MR;
                for (int ks = k0 / NR; ks < k1 / NR; ks++) {
                    int b = ks * rowStrips * MR * NR;
                    int tile = ds * MR * stride + ks * NR;
                    MicroKernel.update(w.doutDown, a, w.pStrips, b, rows, w.dv, tile, stride,
                            false);
                    MicroKernel.update(w.queryDown, a, w.dsStrips, b, rows, w.dk, tile, stride,
                            false);
                }
            }
            for (int rs = 0; rs < rowStrips; rs++) {
                for (int cs = 0; cs < w.dqStride / NR; cs++) {
                    MicroKernel.update(w.dsDown, rs * depth * MR, w.keyColumns,
                            (cs * BACKWARD_KEYS + k0) * NR, depth, w.dq,
                            rs * MR * w.dqStride + cs * NR, w.dqStride, true);
                }
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

    /**
     * One backward worker's blocks, reused from item to item, laid out as the strips the
     * {@link MicroKernel} reads (see {@code BackwardPass.block}).
     */
    private static final class Scratch implements Sized {
        final int dim;
        /** The item's keys and values, {@code [key / 16][d][key % 16]}. */
        final float[] keyStrips;
        final float[] valueStrips;
        /** The item's keys, {@code [d / 16][key][d % 16]}. */
        final float[] keyColumns;
        /** dk and dv of the item's keys, transposed: {@code [d][key]}, d padded to sixes. */
        final float[] dk;
        final float[] dv;
        /** A tile's scaled queries and dout, {@code [r / 6][d][r % 6]}. */
        final float[] queryStrips;
        final float[] doutStrips;
        /** The same, {@code [d / 6][r][d % 6]}. */
        final float[] queryDown;
        final float[] doutDown;
        /** Probabilities and score gradients, {@code [r][key]}. */
        final float[] p = new float[BACKWARD_QUERIES * BACKWARD_KEYS];
        final float[] ds = new float[BACKWARD_QUERIES * BACKWARD_KEYS];
        /** The same, {@code [key / 16][r][key % 16]}. */
        final float[] pStrips = new float[BACKWARD_QUERIES * BACKWARD_KEYS];
        final float[] dsStrips = new float[BACKWARD_QUERIES * BACKWARD_KEYS];
        /** Score gradients, {@code [r / 6][key][r % 6]}. */
        final float[] dsDown = new float[BACKWARD_QUERIES * BACKWARD_KEYS];
        /** The tile's dq shares, {@code [r][d]}, rows {@link #dqStride} apart. */
        final float[] dq;
        final int dqStride;
        final float[] exp = new float[BACKWARD_QUERIES * BACKWARD_KEYS];
        final int[] from = new int[BACKWARD_QUERIES];
        final int[] to = new int[BACKWARD_QUERIES];

        Scratch(int dim) {
            this.dim = dim;
            int dimBySixes = ceilDiv(dim, MR) * MR;
            dqStride = ceilDiv(dim, NR) * NR;
            keyStrips = new float[BACKWARD_KEYS * dim];
            valueStrips = new float[BACKWARD_KEYS * dim];
            keyColumns = new float[BACKWARD_KEYS * dqStride];
            dk = new float[dimBySixes * BACKWARD_KEYS];
            dv = new float[dimBySixes * BACKWARD_KEYS];
            queryStrips = new float[BACKWARD_QUERIES * dim];
            doutStrips = new float[BACKWARD_QUERIES * dim];
            queryDown = new float[BACKWARD_QUERIES * dimBySixes];
            doutDown = new float[BACKWARD_QUERIES * dimBySixes];
            dq = new float[BACKWARD_QUERIES * dqStride];
        }

        @Override
        public int dim() {
            return dim;
        }
    }

    /**
     * One forward item's blocks (see {@code forwardBlock}), for a block of up to
     * {@link #FORWARD_QUERIES} rows; a block of fewer uses the first rows of each.
     */
    private static final class ForwardScratch implements Sized {
        final int dim;
        final float[] queries;
        final float[] acc;
        final float[] probabilityStrips = new float[FORWARD_QUERIES * FORWARD_KEYS];
        final float[] scores = new float[FORWARD_KEYS * FORWARD_QUERIES];
        final float[][] p = new float[FORWARD_KEYS][FORWARD_QUERIES];
        final float[] max = new float[FORWARD_QUERIES];
        final float[] newMax = new float[FORWARD_QUERIES];
        final float[] alpha = new float[FORWARD_QUERIES];
        final float[] tileSum = new float[FORWARD_QUERIES];
        final float[] scratch = new float[FORWARD_QUERIES];
        final double[] sum = new double[FORWARD_QUERIES];
        final int[] first = new int[FORWARD_KEYS];
        final int[] end = new int[FORWARD_KEYS];

        ForwardScratch(int dim) {
            this.dim = dim;
            queries = new float[FORWARD_QUERIES * dim];
            acc = new float[ceilDiv(dim, MR) * MR * FORWARD_QUERIES];
        }

        @Override
        public int dim() {
            return dim;
        }
    }

    /** Scratch made for one head width. */
    private interface Sized {
        int dim();
    }

    /**
     * A kept scratch object for head width {@code dim}, or a new one: a training loop calls
     * attention with the same shapes every step, and keeping its scratch saves allocating (and
     * collecting) it every call. One kept for another width is dropped.
     */
    private static <T extends Sized> T take(Queue<T> kept, int dim, IntFunction<T> make) {
        T scratch = kept.poll();
        return scratch != null && scratch.dim() == dim ? scratch : make.apply(dim);
    }

    /**
     * Fills every kept scratch array with {@code value}, for tests: what a call reads before
     * writing would then show in its results.
     */
    static void fillKeptScratch(float value) {
        for (ForwardScratch w : FORWARD_SCRATCH) {
            for (float[] a : List.of(w.queries, w.acc, w.probabilityStrips, w.scores, w.max,
                    w.newMax, w.alpha, w.tileSum, w.scratch)) {
                Arrays.fill(a, value);
            }
            for (float[] row : w.p) {
                Arrays.fill(row, value);
            }
            Arrays.fill(w.sum, value);
        }
        for (Scratch w : BACKWARD_SCRATCH) {
            for (float[] a : List.of(w.keyStrips, w.valueStrips, w.keyColumns, w.dk, w.dv,
                    w.queryStrips, w.doutStrips, w.queryDown, w.doutDown, w.p, w.ds, w.pStrips,
                    w.dsStrips, w.dsDown, w.dq, w.exp)) {
                Arrays.fill(a, value);
            }
        }
    }

    /** The number of kept scratch objects, forward and backward, for tests. */
    static int keptScratch() {
        return FORWARD_SCRATCH.size() + BACKWARD_SCRATCH.size();
    }

    /** Keeps {@code scratch} for a later call, up to {@link #KEPT_SCRATCH} of a kind. */
    private static <T> void giveBack(Queue<T> kept, T scratch) {
        if (kept.size() < KEPT_SCRATCH) {
            kept.offer(scratch);
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

    /** {@code y[at..] += factor * x[offset..]}, {@code count} values. */
    private static void addScaled(float[] y, int at, float[] x, int offset, int count,
            float factor) {
        for (int d = 0; d < count; d++) {
            y[at + d] += factor * x[offset + d];
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
