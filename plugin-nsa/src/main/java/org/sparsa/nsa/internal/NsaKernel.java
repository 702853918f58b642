package org.sparsa.nsa.internal;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.sparsa.core.attention.AttentionTiles;
import org.sparsa.core.attention.VectorExp;

/**
 * NSA's three branches fused over plain arrays, for real lengths: the compressed, selected and
 * window attentions of each query row computed range by range, so no {@code T x T} matrix ever
 * exists, and their exact gradients. The compression itself is not here: the caller gives its
 * result, the compressed keys and values.
 *
 * <p><b>Layout.</b> Row-major float arrays: q, o and dout {@code [T, Hq, D]}; k, v, the keys
 * and values of the selected branch, and kWin, vWin, the window's, {@code [T, Hkv, D]}; kc, vc
 * {@code [Nc, Hkv, D]}; gates {@code [T, Hq, 3]} in the order cmp, slc, win. Query head h reads
 * kv head {@code h / (Hq / Hkv)}. A layer whose branches share one projection passes the same
 * arrays as k and kWin (and v and vWin); the kernel then packs them once for both branches,
 * and since the arrays are compared by identity only, equal copies cost the memory of
 * independent keys, not correctness.
 *
 * <p><b>Work and determinism.</b> The forward and the query side of the backward (dq, dgates)
 * split into (range of query rows, kv head) items, each owning the rows and heads it writes.
 * The key side splits by owner: dk, dv, dkWin and dvWin into (kv head,
 * selection block) items, each gathering the selected shares of its keys from the rows that
 * selected the block (an inverted index built in row order) and the window shares from the
 * rows whose window covers them, {@code t in [s, s + w)}, each branch into its own
 * accumulators; dkc and dvc into (kv head, range of compressed tokens) items, gathering from
 * every row that sees them ({@link CompressedGradients}). Every sum thus runs in an order fixed
 * by the data alone, without atomics, so results are bit-identical from run to run and
 * whatever the number of threads.
 *
 * <p><b>Speed.</b> Every product runs on the matrix product's register-tiled micro-kernel
 * ({@link AttentionTiles}), over keys and values packed once per call. The compressed and
 * window branches of a tile of rows, all the query heads of a kv group, are two products over
 * the union of the rows' key ranges, each vector weighing only its own keys
 * ({@link RangeBranch}); since a branch's scores are all at hand before its exponentials, its
 * softmax needs no running rescale. The selected branch reads blocks scattered over the
 * sequence, so it runs for a whole item of rows block by block: the vectors that chose a block
 * are gathered into one product ({@link SelectedBranch}). The key side's sums are products
 * whose depth runs over the query vectors ({@link KeyShares}). The exponential is a
 * vectorisable polynomial ({@link VectorExp}), not a call per score. The backward's query side
 * keeps {@code p * gate} and the score gradient of every selected and window key,
 * {@code T * Hq * (min(T, n l') + min(T, w))} floats of each, so the key side only gathers them
 * instead of recomputing its scores and exponentials.
 *
 * <p><b>Precision.</b> A score is one chain of fused multiply-adds in ascending dimension over
 * the query times {@code 1/sqrt(D)}, computed by the same routine in every pass, so the
 * backward's recomputed probabilities {@code exp(score - lse)} match the forward's. Softmax
 * denominators and the {@code dout . o} row terms are double; probabilities, outputs and
 * gradient accumulators are float.
 */
public final class NsaKernel {
    /**
     * Query rows per item of the forward and of the backward's query side, one item per (range
     * of rows, kv head): long enough that the rows choosing one selected block make whole
     * strips of the micro-kernel's 16 vectors (at T = 32768 with the paper's sizes, about 26
     * rows choose each block), short enough to spread a few thousand rows over the cores.
     */
    static final int ROWS_PER_ITEM = 1024;
    /** Query vectors per tile of the compressed and window branches: four micro-kernel strips. */
    static final int TILE_VECTORS = 64;
    /** Query heads whose loops share each load of a key or value row. */
    private static final int HEADS_TOGETHER = 4;
    private static final int CMP = 0;
    static final int SLC = 1;
    private static final int WIN = 2;

    private NsaKernel() {
    }

    /**
     * The sizes of one sequence.
     *
     * @param length T, the number of keys (and of query rows in a full forward)
     * @param queryHeads Hq
     * @param kvHeads Hkv, dividing Hq
     * @param dim D
     * @param params the NSA sizes
     */
    public record Sizes(int length, int queryHeads, int kvHeads, int dim, NsaParams params) {
        /**
         * @throws IllegalArgumentException when a size is out of range
         */
        public Sizes {
            if (length < 1 || queryHeads < 1 || kvHeads < 1 || dim < 1
                    || queryHeads % kvHeads != 0) {
                throw new IllegalArgumentException("nsa kernel: T, Hq, Hkv, D must be positive "
                        + "and Hkv must divide Hq, found T=" + length + " Hq=" + queryHeads
                        + " Hkv=" + kvHeads + " D=" + dim);
            }
        }

        /** Query heads per kv head. */
        public int group() {
            return queryHeads / kvHeads;
        }

        /** Nc, the compressed tokens of the sequence. */
        public int compressed() {
            return params.compressedTokens(length);
        }

        /** The selection blocks of the sequence. */
        public int blocks() {
            return params.selectionBlocks(length);
        }

        /** The number of compressed tokens query row t sees: whole blocks in its past. */
        int visibleCompressed(int t) {
            int last = t - params.blockLen() + 1;
            return last < 0 ? 0 : Math.min(compressed(), last / params.stride() + 1);
        }

        float scale() {
            return (float) (1 / Math.sqrt(dim));
        }

        void require(String name, int found, long expected) {
            if (found != expected) {
                throw new IllegalArgumentException("nsa kernel: " + name + " must hold "
                        + expected + " values, found " + found);
            }
        }
    }

    /**
     * What the forward computes for query rows {@code [fromRow, toRow)}, indexed from fromRow.
     *
     * @param o the output {@code [rows, Hq, D]}
     * @param branches each branch's ungated output {@code [rows, Hq, 3, D]}, kept for the backward
     * @param lse each branch's log-sum-exp of its scores {@code [rows, Hq, 3]}, negative infinity
     *     where the branch sees no key
     * @param selected the selected block ids {@code [rows, Hkv, n]}, sorted ascending, -1 padded
     */
    public record Forward(int fromRow, int toRow, float[] o, float[] branches, float[] lse,
            int[] selected) {
    }

    /**
     * The gradients of {@code sum(o * dout)}, each shaped like its input; null where not asked.
     * dk and dv are the selected branch's alone and dkWin and dvWin the window's, also when the
     * two branches read the same arrays: the caller then adds them.
     */
    public record Gradients(float[] dq, float[] dk, float[] dv, float[] dkWin, float[] dvWin,
            float[] dkc, float[] dvc, float[] dgates) {
    }

    /** The forward over the whole sequence. */
    public static Forward forward(Sizes sizes, float[] q, float[] k, float[] v, float[] kWin,
            float[] vWin, float[] kc, float[] vc, float[] gates) {
        return forwardRows(sizes, q, k, v, kWin, vWin, kc, vc, gates, 0, sizes.length());
    }

    /**
     * The forward of query rows {@code [fromRow, toRow)} against all T keys, bit for bit the
     * same rows as the whole sequence's forward: for decoding, which needs the last rows only.
     *
     * @param q the queries of those rows only, {@code [toRow - fromRow, Hq, D]}
     * @param gates the gates of those rows only, {@code [toRow - fromRow, Hq, 3]}
     * @param k the selected branch's keys of the whole sequence, {@code [T, Hkv, D]}; v alike
     * @param kWin the window branch's keys of the whole sequence, {@code [T, Hkv, D]}, k itself
     *     where the branches share them; vWin alike
     * @param kc compressed keys of the whole sequence, {@code [Nc, Hkv, D]}; vc alike
     * @throws IllegalArgumentException when the rows or an array's length do not fit
     */
    public static Forward forwardRows(Sizes sizes, float[] q, float[] k, float[] v,
            float[] kWin, float[] vWin, float[] kc, float[] vc, float[] gates, int fromRow,
            int toRow) {
        if (fromRow < 0 || toRow > sizes.length() || fromRow >= toRow) {
            throw new IllegalArgumentException("nsa kernel: rows [" + fromRow + ", " + toRow
                    + ") are not a non-empty range of [0, " + sizes.length() + ")");
        }
        int rows = toRow - fromRow;
        int hq = sizes.queryHeads();
        int dim = sizes.dim();
        requireKeys(sizes, k, v, kWin, vWin, kc, vc);
        sizes.require("q", q.length, (long) rows * hq * dim);
        sizes.require("gates", gates.length, (long) rows * hq * 3);
        float[] o = new float[rows * hq * dim];
        float[] branches = new float[rows * hq * 3 * dim];
        float[] lse = new float[rows * hq * 3];
        int[] selected = new int[rows * sizes.kvHeads() * sizes.params().selectCount()];
        ForwardKeys packed = ForwardKeys.of(sizes, k, v, kWin, vWin, kc, vc);
        int hkv = sizes.kvHeads();
        int items = ceilDiv(rows, ROWS_PER_ITEM);
        IntStream.range(0, items * hkv).parallel().forEach(item -> {
            int g = item % hkv;
            int first = fromRow + item / hkv * ROWS_PER_ITEM;
            int last = Math.min(toRow, first + ROWS_PER_ITEM);
            TileScratch scratch = new TileScratch(sizes);
            for (int t = first; t < last; t += scratch.rows) {
                forwardTile(sizes, t, Math.min(last, t + scratch.rows), fromRow, g, q, packed,
                        scratch, branches, lse, selected);
            }
            SelectedBranch.forward(sizes, first, first - fromRow, last - first, g, q,
                    packed.k, packed.v, selected,
                    new SelectedBranch.ForwardScratch(sizes, last - first), branches, lse);
        });
        IntStream.range(0, rows).parallel().forEach(r -> combine(sizes, r, gates, branches, o));
        return new Forward(fromRow, toRow, o, branches, lse, selected);
    }

    /**
     * Query rows {@code [t0, t1)}, kv head g: the compressed branch, the choice of blocks and
     * the window branch, each on a tile of the rows' query heads at once ({@link RangeBranch});
     * the selected branch follows for the whole item ({@link SelectedBranch}).
     *
     * @param fromRow the row at index 0 of the forward's arrays
     */
    private static void forwardTile(Sizes sizes, int t0, int t1, int fromRow, int g,
            float[] q, ForwardKeys packed, TileScratch s, float[] branches, float[] lse,
            int[] selected) {
        NsaParams params = sizes.params();
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int count = params.selectCount();
        int rows = t1 - t0;
        RangeBranch tile = s.tile;
        tile.vectors(rows * group);
        int head0 = g * group;
        for (int t = t0; t < t1; t++) {
            for (int x = 0; x < group; x++) {
                int i = (t - t0) * group + x;
                AttentionTiles.packVector(q, ((t - fromRow) * hq + head0 + x) * dim,
                        sizes.scale(), dim, tile.queries, i);
                tile.lo[i] = 0;
                tile.hi[i] = sizes.visibleCompressed(t);
            }
        }
        tile.run(packed.kc, packed.vc, sizes.compressed(), g, 0,
                sizes.visibleCompressed(t1 - 1));
        store(sizes, tile, t0, t1, fromRow, head0, CMP, branches, lse);
        // The choice reads p = exp(score - lse), the probabilities the backward sees.
        s.selectionScores(sizes, tile, t0, t1, fromRow, head0, lse);
        for (int t = t0; t < t1; t++) {
            int at = ((t - fromRow) * sizes.kvHeads() + g) * count;
            BlockSelection.choose(s.rowScores(t - t0), t, params, s.chosen, s.best,
                    selected, at);
        }
        for (int t = t0; t < t1; t++) {
            for (int x = 0; x < group; x++) {
                int i = (t - t0) * group + x;
                tile.lo[i] = Math.max(0, t - params.window() + 1);
                tile.hi[i] = t + 1;
            }
        }
        tile.run(packed.kWin, packed.vWin, sizes.length(), g,
                Math.max(0, t0 - params.window() + 1), t1);
        store(sizes, tile, t0, t1, fromRow, head0, WIN, branches, lse);
    }

    /** The tile's outputs of one branch into the forward's arrays. */
    private static void store(Sizes sizes, RangeBranch tile, int t0, int t1, int fromRow,
            int head0, int branch, float[] branches, float[] lse) {
        int group = sizes.group();
        for (int t = t0; t < t1; t++) {
            for (int x = 0; x < group; x++) {
                int rowAt = ((t - fromRow) * sizes.queryHeads() + head0 + x) * 3 + branch;
                lse[rowAt] = tile.output((t - t0) * group + x, branches, rowAt * sizes.dim());
            }
        }
    }

    /** Row r's output: the branches' outputs weighed by their gates. */
    private static void combine(Sizes sizes, int r, float[] gates, float[] branches,
            float[] o) {
        int dim = sizes.dim();
        for (int h = 0; h < sizes.queryHeads(); h++) {
            int gateAt = (r * sizes.queryHeads() + h) * 3;
            int branchAt = gateAt * dim;
            int oAt = (r * sizes.queryHeads() + h) * dim;
            for (int d = 0; d < dim; d++) {
                double out = (double) gates[gateAt + CMP] * branches[branchAt + d]
                        + (double) gates[gateAt + SLC] * branches[branchAt + dim + d]
                        + (double) gates[gateAt + WIN] * branches[branchAt + 2 * dim + d];
                o[oAt + d] = (float) out;
            }
        }
    }

    /**
     * The gradients of {@code sum(o * dout)} from a whole-sequence forward.
     *
     * @param forward the forward of rows {@code [0, T)}
     * @param keys whether dk, dv, dkWin and dvWin are wanted
     * @param compressed whether dkc and dvc are wanted
     * @throws IllegalArgumentException when the forward is not of the whole sequence or an
     *     array's length does not fit
     */
    public static Gradients backward(Sizes sizes, float[] q, float[] k, float[] v, float[] kWin,
            float[] vWin, float[] kc, float[] vc, float[] gates, Forward forward, float[] dout,
            boolean keys, boolean compressed) {
        return backward(sizes, q, k, v, kWin, vWin, kc, vc, gates, forward, dout, keys,
                compressed, true);
    }

    /**
     * As above; without {@code keep}, the key side recomputes every probability and score
     * gradient instead of reading what the query side kept, as it must where those would not
     * fit in arrays.
     */
    static Gradients backward(Sizes sizes, float[] q, float[] k, float[] v, float[] kWin,
            float[] vWin, float[] kc, float[] vc, float[] gates, Forward forward, float[] dout,
            boolean keys, boolean compressed, boolean keep) {
        int length = sizes.length();
        int hq = sizes.queryHeads();
        int dim = sizes.dim();
        if (forward.fromRow() != 0 || forward.toRow() != length) {
            throw new IllegalArgumentException("nsa kernel: the backward needs the forward of "
                    + "every row");
        }
        requireKeys(sizes, k, v, kWin, vWin, kc, vc);
        sizes.require("q", q.length, (long) length * hq * dim);
        sizes.require("gates", gates.length, (long) length * hq * 3);
        sizes.require("dout", dout.length, (long) length * hq * dim);
        BackwardKeys packed = BackwardKeys.of(sizes, k, v, kWin, vWin, kc, vc);
        // The row terms dout_b . o_b, b the branch, with dout_b = gate_b * dout.
        double[] delta = new double[length * hq * 3];
        float[] dgates = new float[length * hq * 3];
        float[] dq = new float[length * hq * dim];
        Kept kept = keys && keep ? Kept.of(sizes) : null;
        float scale = sizes.scale();
        IntStream.range(0, length).parallel()
                .forEach(t -> rowTerms(sizes, t, dout, forward.branches(), gates, delta, dgates));
        int hkv = sizes.kvHeads();
        int group = sizes.group();
        IntStream.range(0, ceilDiv(length, ROWS_PER_ITEM) * hkv).parallel().forEach(item -> {
            int g = item % hkv;
            int first = item / hkv * ROWS_PER_ITEM;
            int last = Math.min(length, first + ROWS_PER_ITEM);
            // Unscaled dq rows of the item's heads, [r * G + x][d]: the compressed and window
            // branches' shares, then the selected branch's.
            float[][] dqRows = new float[(last - first) * group][dim];
            RangeBranch tile = newTile(sizes);
            int rows = Math.max(1, TILE_VECTORS / group);
            for (int t0 = first; t0 < last; t0 += rows) {
                queryGradients(sizes, t0, Math.min(last, t0 + rows), first, g, q, dout, gates,
                        forward.lse(), delta, packed, tile, dqRows, kept);
            }
            SelectedBranch.queryGradients(sizes, first, last - first, g, q, dout, packed.k,
                    packed.v, packed.kValues, forward.selected(), gates, forward.lse(), delta,
                    kept, new SelectedBranch.BackwardScratch(sizes, last - first), dqRows);
            for (int i = 0; i < dqRows.length; i++) {
                int at = ((first + i / group) * hq + g * group + i % group) * dim;
                for (int d = 0; d < dim; d++) {
                    dq[at + d] = dqRows[i][d] * scale;
                }
            }
        });
        float[] dk = null;
        float[] dv = null;
        float[] dkWin = null;
        float[] dvWin = null;
        if (keys) {
            dk = new float[length * sizes.kvHeads() * dim];
            dv = new float[dk.length];
            dkWin = new float[dk.length];
            dvWin = new float[dk.length];
            keyGradients(sizes, q, k, v, kWin, vWin, gates, forward, dout, delta, kept, dk, dv,
                    dkWin, dvWin);
        }
        float[] dkc = null;
        float[] dvc = null;
        if (compressed) {
            dkc = new float[sizes.compressed() * sizes.kvHeads() * dim];
            dvc = new float[dkc.length];
            CompressedGradients.run(sizes, q, packed.kc, packed.vc, gates, forward.lse(), dout,
                    delta, dkc, dvc);
        }
        return new Gradients(dq, dk, dv, dkWin, dvWin, dkc, dvc, dgates);
    }

    /** Row t's gate gradients {@code dout . o_b} and row terms {@code gate_b dout . o_b}. */
    private static void rowTerms(Sizes sizes, int t, float[] dout, float[] branches,
            float[] gates, double[] delta, float[] dgates) {
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        for (int h = 0; h < hq; h++) {
            int qAt = (t * hq + h) * dim;
            int rowAt = (t * hq + h) * 3;
            for (int b = 0; b < 3; b++) {
                double dot = 0;
                int branchAt = (rowAt + b) * dim;
                for (int d = 0; d < dim; d++) {
                    dot += (double) dout[qAt + d] * branches[branchAt + d];
                }
                dgates[rowAt + b] = (float) dot;
                delta[rowAt + b] = gates[rowAt + b] * dot;
            }
        }
    }

    /**
     * Rows {@code [t0, t1)}, kv head g: the compressed and window branches' shares of their dq,
     * unscaled, into {@code dqRows[(t - first) * G + x]}, each branch on a tile of the rows'
     * query heads at once ({@link RangeBranch#gradients}), and the window's probabilities and
     * score gradients kept for the key side; the selected branch's share follows for the whole
     * item ({@link SelectedBranch}).
     */
    private static void queryGradients(Sizes sizes, int t0, int t1, int first, int g,
            float[] q, float[] dout, float[] gates, float[] lse, double[] delta,
            BackwardKeys packed, RangeBranch tile, float[][] dqRows, Kept kept) {
        NsaParams params = sizes.params();
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int head0 = g * group;
        tile.vectors((t1 - t0) * group);
        for (int t = t0; t < t1; t++) {
            for (int x = 0; x < group; x++) {
                int i = (t - t0) * group + x;
                int at = (t * hq + head0 + x) * dim;
                AttentionTiles.packVector(q, at, sizes.scale(), dim, tile.queries, i);
                AttentionTiles.packVector(dout, at, 1f, dim, tile.douts, i);
            }
        }
        branchTerms(sizes, t0, t1, head0, CMP, gates, lse, delta, tile);
        tile.gradients(packed.kc, packed.vc, packed.kcValues, sizes.compressed(), g, 0,
                sizes.visibleCompressed(t1 - 1), true);
        branchTerms(sizes, t0, t1, head0, WIN, gates, lse, delta, tile);
        tile.gradients(packed.kWin, packed.vWin, packed.kWinValues, sizes.length(), g,
                Math.max(0, t0 - params.window() + 1), t1, false);
        for (int t = t0; t < t1; t++) {
            for (int x = 0; x < group; x++) {
                int i = (t - t0) * group + x;
                if (kept != null) {
                    kept.keep(t, head0 + x, WIN, tile, i);
                }
                tile.dq(i, dqRows[(t - first) * group + x]);
            }
        }
    }

    /** Each vector's key range, log-sum-exp, gate and row term of branch b. */
    private static void branchTerms(Sizes sizes, int t0, int t1, int head0, int branch,
            float[] gates, float[] lse, double[] delta, RangeBranch tile) {
        int group = sizes.group();
        int window = sizes.params().window();
        for (int t = t0; t < t1; t++) {
            for (int x = 0; x < group; x++) {
                int i = (t - t0) * group + x;
                int rowAt = (t * sizes.queryHeads() + head0 + x) * 3 + branch;
                tile.lo[i] = branch == CMP ? 0 : Math.max(0, t - window + 1);
                tile.hi[i] = branch == CMP ? sizes.visibleCompressed(t) : t + 1;
                tile.lse[i] = lse[rowAt];
                tile.gate[i] = gates[rowAt];
                tile.delta[i] = (float) delta[rowAt];
            }
        }
    }

    /**
     * For the heads of group g at row t, one branch, over keys {@code [from, to)} (the group's
     * scaled queries and douts loaded in the scratch): the probabilities
     * {@code p = exp(score - lse)} into {@code s.scores} and the score gradients
     * {@code p * (gate * dout . v - delta)} into {@code s.weights}.
     */
    private static void scoreGradients(Sizes sizes, int t, int head0, int branch, Columns keys,
            Columns values, int g, Scratch s, float[] gates, float[] lse, double[] delta,
            int from, int to) {
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        scores(s.queries, group, keys, g, dim, from, to, s.scores);
        scores(s.douts, group, values, g, dim, from, to, s.weights);
        for (int x = 0; x < group; x++) {
            int rowAt = (t * hq + head0 + x) * 3 + branch;
            float[] p = s.scores[x];
            float[] ds = s.weights[x];
            float gate = gates[rowAt];
            float rowDelta = (float) delta[rowAt];
            VectorExp.exp(p, from, to, lse[rowAt], s.expScratch);
            for (int i = from; i < to; i++) {
                ds[i] = p[i] * (gate * ds[i] - rowDelta);
            }
        }
    }

    /**
     * dk, dv and dkWin, dvWin, one item per (kv head, selection block): the block's keys gather
     * their selected shares from the rows that selected the block, in row order, and their
     * window shares from the rows whose window covers them, each into its branch's gradients.
     */
    private static void keyGradients(Sizes sizes, float[] q, float[] k, float[] v,
            float[] kWin, float[] vWin, float[] gates, Forward forward, float[] dout,
            double[] delta, Kept kept, float[] dk, float[] dv, float[] dkWin, float[] dvWin) {
        int length = sizes.length();
        // Without kept weights (sequences too long to keep them), each share is recomputed.
        Columns kt = kept == null ? Columns.of(k, length, sizes) : null;
        Columns vt = kept == null ? Columns.of(v, length, sizes) : null;
        Columns kWinT = kept == null && kWin != k ? Columns.of(kWin, length, sizes) : kt;
        Columns vWinT = kept == null && vWin != v ? Columns.of(vWin, length, sizes) : vt;
        int hkv = sizes.kvHeads();
        int blocks = sizes.blocks();
        int count = sizes.params().selectCount();
        int selectBlock = sizes.params().selectBlock();
        int window = sizes.params().window();
        int dim = sizes.dim();
        // The inverted index: for (g, j), the (row, slot) pairs t * n + c that selected block j,
        // rows ascending.
        int[] start = new int[hkv * blocks + 1];
        int[] selected = forward.selected();
        for (int t = 0; t < length; t++) {
            for (int g = 0; g < hkv; g++) {
                for (int c = 0; c < count; c++) {
                    int block = selected[(t * hkv + g) * count + c];
                    if (block >= 0) {
                        start[g * blocks + block + 1]++;
                    }
                }
            }
        }
        for (int i = 0; i < hkv * blocks; i++) {
            start[i + 1] += start[i];
        }
        int[] pairs = new int[start[hkv * blocks]];
        int[] fill = Arrays.copyOf(start, hkv * blocks);
        for (int t = 0; t < length; t++) {
            for (int g = 0; g < hkv; g++) {
                for (int c = 0; c < count; c++) {
                    int block = selected[(t * hkv + g) * count + c];
                    if (block >= 0) {
                        pairs[fill[g * blocks + block]++] = t * count + c;
                    }
                }
            }
        }
        IntStream.range(0, hkv * blocks).parallel().forEach(item -> {
            Scratch scratch = kept == null ? new Scratch(sizes) : null;
            KeyShares shares = new KeyShares(selectBlock, dim);
            int g = item / blocks;
            int block = item % blocks;
            int from = block * selectBlock;
            int to = Math.min(length, from + selectBlock);
            for (int at = start[item]; at < start[item + 1]; at++) {
                int t = pairs[at] / count;
                int end = Math.min(to, t + 1);
                if (kept == null) {
                    addKeyShares(sizes, t, g, SLC, from, end, q, kt, vt, gates, forward, dout,
                            delta, scratch, shares, from);
                    continue;
                }
                // The block's place c in the row's choice puts its keys at c * l' in the kept.
                int c = pairs[at] % count;
                addKeptShares(sizes, t, g, SLC, c * selectBlock - from, from, end, q, dout,
                        kept, shares, from);
            }
            shares.store(from, to, g, hkv, dk, dv);
            int lastRow = Math.min(length, to + window - 1);
            for (int t = from; t < lastRow; t++) {
                int windowFrom = Math.max(0, t - window + 1);
                int first = Math.max(from, windowFrom);
                int end = Math.min(to, t + 1);
                if (first < end && kept == null) {
                    addKeyShares(sizes, t, g, WIN, first, end, q, kWinT, vWinT, gates, forward,
                            dout, delta, scratch, shares, from);
                } else if (first < end) {
                    addKeptShares(sizes, t, g, WIN, -windowFrom, first, end, q, dout, kept,
                            shares, from);
                }
            }
            shares.store(from, to, g, hkv, dkWin, dvWin);
        });
    }

    /**
     * As {@link #addKeyShares} for a selected or window branch, from what the query side kept:
     * key s's weights at {@code s + shift} in the row's kept arrays.
     */
    private static void addKeptShares(Sizes sizes, int t, int g, int branch, int shift,
            int from, int to, float[] q, float[] dout, Kept kept, KeyShares shares, int base) {
        int hq = sizes.queryHeads();
        int group = sizes.group();
        for (int x = 0; x < group; x++) {
            int h = g * group + x;
            int v = shares.vector(q, dout, (t * hq + h) * sizes.dim(), sizes.scale());
            kept.share(t, h, branch, shift, from, to, shares, v, base);
        }
    }

    /**
     * The shares of row t's query heads in group g, branch {@code branch}, in the gradients of
     * keys {@code [from, to)}, recomputed, given to sums whose first key is {@code base}.
     */
    private static void addKeyShares(Sizes sizes, int t, int g, int branch, int from, int to,
            float[] q, Columns keys, Columns values, float[] gates, Forward forward,
            float[] dout, double[] delta, Scratch s, KeyShares shares, int base) {
        if (from >= to) {
            return;
        }
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int head0 = g * group;
        int qAt = (t * hq + head0) * dim;
        loadRows(q, qAt, group, dim, sizes.scale(), s.queries);
        loadRows(dout, qAt, group, dim, 1f, s.douts);
        scoreGradients(sizes, t, head0, branch, keys, values, g, s, gates, forward.lse(),
                delta, from, to);
        for (int x = 0; x < group; x++) {
            // dv takes p * gate, dout_b's share; dk takes the score gradient times q / sqrt(D).
            float gate = gates[(t * hq + head0 + x) * 3 + branch];
            float[] p = s.scores[x];
            for (int i = from; i < to; i++) {
                p[i] *= gate;
            }
            int v = shares.vector(q, dout, qAt + x * dim, sizes.scale());
            shares.weigh(v, from - base, s.weights[x], p, from, to - from);
        }
    }

    /** {@code out[x][d] = x[at + x * dim + d] * factor}: a group's rows copied out, scaled. */
    static void loadRows(float[] x, int at, int group, int dim, float factor,
            float[][] out) {
        loadRows(x, at, group, dim, factor, out, 0);
    }

    /** As above, into {@code out[first + x]}. */
    private static void loadRows(float[] x, int at, int group, int dim, float factor,
            float[][] out, int first) {
        for (int h = 0; h < group; h++) {
            float[] row = out[first + h];
            int rowAt = at + h * dim;
            for (int d = 0; d < dim; d++) {
                row[d] = x[rowAt + d] * factor;
            }
        }
    }

    /**
     * {@code out[x][s] = rows[x] . key_s} for keys {@code from <= s < to}, each head of the group:
     * the score routine of every pass. Scores sit at their key's index, as the key columns do,
     * so each loop indexes every array by its own variable, which the JIT needs to vectorise it.
     * Four heads at a time share each load of the key columns; each score is the same chain of
     * fused multiply-adds, one per dimension ascending, whichever path computes it (this,
     * {@link #blockScores}, the backward), so one branch may take another's scores.
     */
    private static void scores(float[][] rows, int group, Columns keys, int g, int dim,
            int from, int to, float[][] out) {
        float[][] columns = keys.columns();
        int base = g * dim;
        int x = 0;
        for (; x + HEADS_TOGETHER <= group; x += HEADS_TOGETHER) {
            scores4(rows[x], rows[x + 1], rows[x + 2], rows[x + 3], columns, base, dim, from, to,
                    out[x], out[x + 1], out[x + 2], out[x + 3]);
        }
        for (; x < group; x++) {
            scores1(rows[x], columns, base, dim, from, to, out[x]);
        }
    }

    /** One head's scores of keys {@code [from, to)} against columns {@code [base, base + dim)}. */
    private static void scores1(float[] a, float[][] columns, int base, int dim, int from,
            int to, float[] out) {
        float[] c0 = columns[base];
        float a0 = a[0];
        for (int s = from; s < to; s++) {
            out[s] = Math.fma(a0, c0[s], 0f);
        }
        for (int d = 1; d < dim; d++) {
            float ad = a[d];
            float[] cd = columns[base + d];
            for (int s = from; s < to; s++) {
                out[s] = Math.fma(ad, cd[s], out[s]);
            }
        }
    }

    /** {@link #scores1} for four heads sharing each column load, two dimensions a pass. */
    private static void scores4(float[] a, float[] b, float[] c, float[] e, float[][] columns,
            int base, int dim, int from, int to, float[] outA, float[] outB, float[] outC,
            float[] outE) {
        float[] k0 = columns[base];
        float a0 = a[0];
        float b0 = b[0];
        float c0 = c[0];
        float e0 = e[0];
        for (int s = from; s < to; s++) {
            float kd = k0[s];
            outA[s] = Math.fma(a0, kd, 0f);
            outB[s] = Math.fma(b0, kd, 0f);
            outC[s] = Math.fma(c0, kd, 0f);
            outE[s] = Math.fma(e0, kd, 0f);
        }
        int d = 1;
        for (; d + 2 <= dim; d += 2) {
            float[] k1 = columns[base + d];
            float[] k2 = columns[base + d + 1];
            float a1 = a[d];
            float a2 = a[d + 1];
            float b1 = b[d];
            float b2 = b[d + 1];
            float c1 = c[d];
            float c2 = c[d + 1];
            float e1 = e[d];
            float e2 = e[d + 1];
            for (int s = from; s < to; s++) {
                float f1 = k1[s];
                float f2 = k2[s];
                outA[s] = Math.fma(a2, f2, Math.fma(a1, f1, outA[s]));
                outB[s] = Math.fma(b2, f2, Math.fma(b1, f1, outB[s]));
                outC[s] = Math.fma(c2, f2, Math.fma(c1, f1, outC[s]));
                outE[s] = Math.fma(e2, f2, Math.fma(e1, f1, outE[s]));
            }
        }
        if (d < dim) {
            float[] k1 = columns[base + d];
            float a1 = a[d];
            float b1 = b[d];
            float c1 = c[d];
            float e1 = e[d];
            for (int s = from; s < to; s++) {
                float f1 = k1[s];
                outA[s] = Math.fma(a1, f1, outA[s]);
                outB[s] = Math.fma(b1, f1, outB[s]);
                outC[s] = Math.fma(c1, f1, outC[s]);
                outE[s] = Math.fma(e1, f1, outE[s]);
            }
        }
    }

    /** The largest of {@code x[from .. to)}. */
    static float max(float[] x, int from, int to) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            max = Math.max(max, x[i]);
        }
        return max;
    }

    /** {@code x[from .. to)} summed in double, four chains, in a fixed order. */
    static double sum(float[] x, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < to; i++) {
            s0 += x[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void requireKeys(Sizes sizes, float[] k, float[] v, float[] kWin,
            float[] vWin, float[] kc, float[] vc) {
        long kv = (long) sizes.length() * sizes.kvHeads() * sizes.dim();
        long compressed = (long) sizes.compressed() * sizes.kvHeads() * sizes.dim();
        sizes.require("k", k.length, kv);
        sizes.require("v", v.length, kv);
        sizes.require("kWin", kWin.length, kv);
        sizes.require("vWin", vWin.length, kv);
        sizes.require("kc", kc.length, compressed);
        sizes.require("vc", vc.length, compressed);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Rows {@code [N, Hkv, D]} held as columns, {@code columns[g * D + d][s]}, so that a loop
     * over keys runs along contiguous floats.
     */
    private record Columns(float[][] columns) {
        static Columns of(float[] x, int rows, Sizes sizes) {
            int hkv = sizes.kvHeads();
            int dim = sizes.dim();
            float[][] out = new float[hkv * dim][rows];
            for (int s = 0; s < rows; s++) {
                for (int g = 0; g < hkv; g++) {
                    int at = (s * hkv + g) * dim;
                    for (int d = 0; d < dim; d++) {
                        out[g * dim + d][s] = x[at + d];
                    }
                }
            }
            return new Columns(out);
        }
    }

    /**
     * What the query side of the backward keeps for the key side, so that each selected and
     * window probability is computed once: per row and query head, {@code p * gate} and the
     * score gradient of every selected key (the c-th selected block's keys from {@code c * l'},
     * at most t since block ids ascend from 0) and every window key (from the window's first).
     * Each query-side item fills the rows it owns. Null where too large: the key side then
     * recomputes them.
     */
    static final class Kept {
        private final int queryHeads;
        private final int[] width = new int[3];
        /**
         * Per branch, {@code p * gate} and score gradients, {@code [T, Hq, width]}: one array
         * each, which the collector puts straight in the old generation instead of copying
         * many smaller ones out of the young one.
         */
        private final float[][] weights = new float[3][];
        private final float[][] gradients = new float[3][];

        private Kept(Sizes sizes, int slcWidth, int winWidth) {
            queryHeads = sizes.queryHeads();
            width[SLC] = slcWidth;
            width[WIN] = winWidth;
            for (int b = SLC; b <= WIN; b++) {
                weights[b] = new float[sizes.length() * queryHeads * width[b]];
                gradients[b] = new float[weights[b].length];
            }
        }

        /** The kept arrays for these sizes, or null where they would not fit in arrays. */
        static Kept of(Sizes sizes) {
            NsaParams params = sizes.params();
            int slcWidth = Math.min(sizes.length(), params.selectCount() * params.selectBlock());
            int winWidth = Math.min(sizes.length(), params.window());
            long rows = (long) sizes.length() * sizes.queryHeads();
            if (rows * Math.max(slcWidth, winWidth) > Integer.MAX_VALUE - 8) {
                return null;
            }
            return new Kept(sizes, slcWidth, winWidth);
        }

        private int at(int t, int h, int branch) {
            return (t * queryHeads + h) * width[branch];
        }

        /**
         * Keeps vector i's {@code p * gate} and score gradients of its keys from the tile of
         * the last {@link RangeBranch#gradients}, row t and query head h, the first key at 0.
         */
        void keep(int t, int h, int branch, RangeBranch tile, int i) {
            float[] w = weights[branch];
            float[] gr = gradients[branch];
            int at = at(t, h, branch) - tile.lo[i];
            int stride = tile.stride();
            for (int s = tile.lo[i]; s < tile.hi[i]; s++) {
                int from = (s - tile.keyFrom()) * stride + i;
                w[at + s] = tile.scores[from];
                gr[at + s] = tile.gradients[from];
            }
        }

        /**
         * Keeps head h's {@code p * gate} and score gradients of n selected keys, from
         * {@code offset} in its row.
         */
        void keepSelected(int t, int h, int offset, int n, float[] p, float[] ds, float gate) {
            float[] w = weights[SLC];
            int at = at(t, h, SLC) + offset;
            for (int i = 0; i < n; i++) {
                w[at + i] = p[i] * gate;
            }
            System.arraycopy(ds, 0, gradients[SLC], at, n);
        }

        /**
         * Gives head h's kept weights and score gradients of keys {@code [from, to)}, at
         * {@code s + shift} in its row, to vector v of the shares, key s at {@code s - base}.
         */
        void share(int t, int h, int branch, int shift, int from, int to, KeyShares shares,
                int v, int base) {
            int at = at(t, h, branch) + shift;
            shares.weigh(v, from - base, gradients[branch], weights[branch], at + from,
                    to - from);
        }
    }

    /**
     * The keys and values of one call packed for the forward's register-tiled products
     * ({@link AttentionTiles}); the window's are the selected branch's arrays where the two
     * branches share them.
     */
    private record ForwardKeys(float[] k, float[] v, float[] kWin, float[] vWin, float[] kc,
            float[] vc) {
        static ForwardKeys of(Sizes sizes, float[] k, float[] v, float[] kWin, float[] vWin,
                float[] kc, float[] vc) {
            int length = sizes.length();
            int hkv = sizes.kvHeads();
            int dim = sizes.dim();
            float[] kp = AttentionTiles.packKeys(k, length, hkv, dim);
            float[] vp = AttentionTiles.packValues(v, length, hkv, dim);
            return new ForwardKeys(kp, vp,
                    kWin == k ? kp : AttentionTiles.packKeys(kWin, length, hkv, dim),
                    vWin == v ? vp : AttentionTiles.packValues(vWin, length, hkv, dim),
                    AttentionTiles.packKeys(kc, sizes.compressed(), hkv, dim),
                    AttentionTiles.packValues(vc, sizes.compressed(), hkv, dim));
        }
    }

    /**
     * The keys and values of each branch packed for the backward's query side: keys and
     * values as {@link AttentionTiles#packKeys} gives them for the scores and
     * {@code dout . v}, keys as {@link AttentionTiles#packValues} gives them for dq; the
     * window's are the selected branch's arrays where the two branches share them.
     */
    private record BackwardKeys(float[] k, float[] v, float[] kValues, float[] kWin,
            float[] vWin, float[] kWinValues, float[] kc, float[] vc, float[] kcValues) {
        static BackwardKeys of(Sizes sizes, float[] k, float[] v, float[] kWin, float[] vWin,
                float[] kc, float[] vc) {
            int length = sizes.length();
            int compressed = sizes.compressed();
            int hkv = sizes.kvHeads();
            int dim = sizes.dim();
            float[] kp = AttentionTiles.packKeys(k, length, hkv, dim);
            float[] vp = AttentionTiles.packKeys(v, length, hkv, dim);
            float[] kv = AttentionTiles.packValues(k, length, hkv, dim);
            boolean shared = kWin == k && vWin == v;
            return new BackwardKeys(kp, vp, kv,
                    shared ? kp : AttentionTiles.packKeys(kWin, length, hkv, dim),
                    shared ? vp : AttentionTiles.packKeys(vWin, length, hkv, dim),
                    shared ? kv : AttentionTiles.packValues(kWin, length, hkv, dim),
                    AttentionTiles.packKeys(kc, compressed, hkv, dim),
                    AttentionTiles.packKeys(vc, compressed, hkv, dim),
                    AttentionTiles.packValues(kc, compressed, hkv, dim));
        }
    }

    /** A tile of {@link #TILE_VECTORS} query vectors, wide enough for either range branch. */
    static RangeBranch newTile(Sizes sizes) {
        int rows = Math.max(1, TILE_VECTORS / sizes.group());
        int window = Math.min(sizes.length(), sizes.params().window() + rows);
        return new RangeBranch(sizes.dim(), rows * sizes.group(),
                Math.max(sizes.compressed(), window));
    }

    /**
     * What one forward item reuses tile after tile: the tile of query vectors, and each row's
     * block scores, {@code [j][r]} while the compressed probabilities are added along the rows,
     * then one row's at a time for the choice.
     */
    private static final class TileScratch {
        /** Query rows per tile, all heads of a kv group each. */
        final int rows;
        final RangeBranch tile;
        private final double[] blockScores;
        private final double[] rowScores;
        private final float[] p;
        private final float[] expScratch;
        final boolean[] chosen;
        final int[] best;
        /** The rows of the last {@link #selectionScores}. */
        private int tileRows;

        TileScratch(Sizes sizes) {
            rows = Math.max(1, TILE_VECTORS / sizes.group());
            tile = newTile(sizes);
            blockScores = new double[sizes.blocks() * rows];
            rowScores = new double[sizes.blocks()];
            p = new float[rows];
            expScratch = new float[rows];
            chosen = new boolean[sizes.blocks()];
            best = new int[sizes.params().selectCount()];
        }

        /**
         * Step 3 for rows {@code [t0, t1)} from the compressed scores the tile holds: each
         * compressed probability {@code p = exp(score - lse)} added to the scores of the
         * selection blocks its token overlaps, weighed by the overlap, as
         * {@link BlockSelection#addScores} adds them: per row, head by head, token by token
         * ascending, in double.
         */
        void selectionScores(Sizes sizes, RangeBranch tile, int t0, int t1, int fromRow,
                int head0, float[] lse) {
            NsaParams params = sizes.params();
            int group = sizes.group();
            int n = t1 - t0;
            int blocks = sizes.blocks();
            Arrays.fill(blockScores, 0, blocks * n, 0);
            int visible = sizes.visibleCompressed(t1 - 1);
            int stride = tile.stride();
            for (int x = 0; x < group; x++) {
                int first = 0;
                for (int i = 0; i < visible; i++) {
                    // The rows that see token i: from the first that sees any this far.
                    while (sizes.visibleCompressed(t0 + first) <= i) {
                        first++;
                    }
                    int at = (i - tile.keyFrom()) * stride + x;
                    for (int r = first; r < n; r++) {
                        int rowAt = ((t0 + r - fromRow) * sizes.queryHeads() + head0 + x) * 3
                                + CMP;
                        p[r] = tile.scores[at + r * group] - lse[rowAt];
                    }
                    VectorExp.exp(p, first, n, 0f, expScratch);
                    int start = i * params.stride();
                    int end = start + params.blockLen();
                    int last = Math.min((end - 1) / params.selectBlock(), blocks - 1);
                    for (int j = start / params.selectBlock(); j <= last; j++) {
                        int overlap = Math.min(end, (j + 1) * params.selectBlock())
                                - Math.max(start, j * params.selectBlock());
                        double weight = overlap / (double) params.stride();
                        int to = j * n;
                        for (int r = first; r < n; r++) {
                            blockScores[to + r] += p[r] * weight;
                        }
                    }
                }
            }
            tileRows = n;
        }

        /** Row r's block scores, after {@link #selectionScores}. */
        double[] rowScores(int r) {
            for (int j = 0; j < rowScores.length; j++) {
                rowScores[j] = blockScores[j * tileRows + r];
            }
            return rowScores;
        }
    }

    /**
     * The scratch one backward item reuses row after row, per query head of a group: rows and
     * key blocks.
     */
    private static final class Scratch {
        /** The heads' queries times {@code 1/sqrt(D)}, {@code [G][D]}. */
        final float[][] queries;
        /** The heads' output gradients, {@code [G][D]}. */
        final float[][] douts;
        /** Scores, then probabilities, per head, at their keys' indices. */
        final float[][] scores;
        /** Score gradients, laid out as scores. */
        final float[][] weights;
        /** Weighted sums per head, {@code [G][D]}. */
        final float[][] sums;
        final float[] expScratch;

        Scratch(Sizes sizes) {
            int group = sizes.group();
            int dim = sizes.dim();
            // Scores sit at their key's index: a compressed token's below Nc <= T.
            int keys = Math.max(1, Math.max(sizes.length(), sizes.compressed()));
            queries = new float[group][dim];
            douts = new float[group][dim];
            scores = new float[group][keys];
            weights = new float[group][keys];
            sums = new float[group][dim];
            expScratch = new float[keys];
        }
    }
}
