package org.sparsa.nsa.internal;

import java.util.Arrays;
import java.util.stream.IntStream;
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
 * arrays as k and kWin (and v and vWin); the kernel then scores each key once for both
 * branches, and since the arrays are compared by identity only, equal copies cost the speed of
 * independent keys, not correctness.
 *
 * <p><b>Work and determinism.</b> The forward and the query side of the backward (dq, dgates)
 * split into fixed ranges of query rows, each owning the rows it writes. The key side splits by
 * owner: dk, dv, dkWin and dvWin into (kv head, selection block) items, each gathering the
 * selected shares of its keys from the rows that selected the block (an inverted index built in
 * row order) and the window shares from the rows whose window covers them,
 * {@code t in [s, s + w)}, each branch into its own accumulators; dkc and dvc into (kv head,
 * range of compressed tokens) items, gathering from every row that sees them. Every sum thus
 * runs in an order fixed by the data alone, without atomics, so results are bit-identical from
 * run to run and whatever the number of threads.
 *
 * <p><b>Speed.</b> The compressed and window branches of a row each read one contiguous key
 * range, done a whole range at a time for all the query heads of a kv group: the scores of the
 * range into scratch, one exponential over it, then one weighted sum of the value rows. Scores
 * run along the keys over a transposed copy of the keys ({@code [Hkv, D, N]}, made once per
 * call), weighted sums along D over the row-major values; both are short fused multiply-add
 * loops over one index in which up to four heads share each load, the shape the JIT
 * vectorises. Since a branch's scores are all at hand before its exponentials, its softmax
 * needs no running rescale. The exponential is a vectorisable polynomial
 * ({@link VectorExp}), not a call per score. The selected branch reads blocks scattered over
 * the sequence, so it runs for a whole item of rows block by block ({@link SelectedBranch},
 * over keys regrouped by block, {@link BlockColumns}); where it shares the window's keys, its
 * blocks inside the window take the window's scores.
 * The backward's query side keeps {@code p * gate} and the score gradient of every selected
 * and window key, {@code T * Hq * (min(T, n l') + min(T, w))} floats of each, so the key side
 * only gathers them instead of recomputing its scores and exponentials.
 *
 * <p><b>Precision.</b> A score is one chain of fused multiply-adds in ascending dimension over
 * the query times {@code 1/sqrt(D)}, computed by the same routine in every pass, so the
 * backward's recomputed probabilities {@code exp(score - lse)} match the forward's. Softmax
 * denominators and the {@code dout . o} row terms are double; probabilities, outputs and
 * gradient accumulators are float.
 */
public final class NsaKernel {
    /**
     * Query rows per forward and dq item: enough that the rows choosing one selected block
     * read it together (at T = 32768 with the paper's sizes, about eight rows a block), few
     * enough to spread a short sequence over the cores.
     */
    static final int ROWS_PER_ITEM = 256;
    /**
     * Compressed tokens per dkc and dvc item: long enough for the loops over tokens to
     * vectorise, short enough to give a few items per kv head at a few thousand keys.
     */
    static final int COMPRESSED_PER_ITEM = 32;
    /** Query heads whose loops share each load of a key or value row. */
    private static final int HEADS_TOGETHER = 4;
    /**
     * Query rows whose heads the forward takes through the compressed and window branches
     * together: with one query head per kv head, the four that share each key load.
     */
    static final int ROWS_TOGETHER = 4;
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
        Columns kt = Columns.of(k, sizes.length(), sizes);
        Columns kWinT = kWin == k ? kt : Columns.of(kWin, sizes.length(), sizes);
        Columns kct = Columns.of(kc, sizes.compressed(), sizes);
        float[][] vRows = rows(v, sizes.length(), sizes);
        float[][] vWinRows = vWin == v ? vRows : rows(vWin, sizes.length(), sizes);
        float[][] vcRows = rows(vc, sizes.compressed(), sizes);
        BlockColumns kBlocks = BlockColumns.of(k, sizes);
        int items = ceilDiv(rows, ROWS_PER_ITEM);
        IntStream.range(0, items).parallel().forEach(item -> {
            Scratch scratch = new Scratch(sizes, ROWS_TOGETHER);
            int first = fromRow + item * ROWS_PER_ITEM;
            int last = Math.min(toRow, first + ROWS_PER_ITEM);
            SelectedBranch.ForwardScratch selectedScratch =
                    new SelectedBranch.ForwardScratch(sizes, last - first);
            for (int t = first; t < last; t += ROWS_TOGETHER) {
                forwardTile(sizes, t, Math.min(last, t + ROWS_TOGETHER), fromRow, first, q,
                        kWinT, vWinRows, kWinT == kt, kct, vcRows, scratch, selectedScratch,
                        branches, lse, selected);
            }
            SelectedBranch.forward(sizes, first, first - fromRow, last - first, q, kBlocks,
                    vRows, selected, selectedScratch, branches, lse);
            for (int t = first; t < last; t++) {
                combine(sizes, t - fromRow, gates, branches, o);
            }
        });
        return new Forward(fromRow, toRow, o, branches, lse, selected);
    }

    /**
     * Query rows {@code [t0, t1)}, per kv head: the compressed branch, the choice of blocks and
     * the window branch; the selected branch follows for the whole item
     * ({@link SelectedBranch}), given here the scores the window already has. The rows' query
     * heads go through each branch together, over the union of their key ranges, so each key
     * load serves them all; each keeps its own range for its softmax.
     *
     * @param fromRow the row at index 0 of the forward's arrays
     * @param firstOfItem the item's first row
     */
    private static void forwardTile(Sizes sizes, int t0, int t1, int fromRow, int firstOfItem,
            float[] q, Columns kWin, float[][] vWin, boolean shared, Columns kct, float[][] vc,
            Scratch s, SelectedBranch.ForwardScratch selectedScratch, float[] branches,
            float[] lse, int[] selected) {
        NsaParams params = sizes.params();
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int count = params.selectCount();
        int vectors = (t1 - t0) * group;
        int r0 = t0 - fromRow;
        for (int g = 0; g < sizes.kvHeads(); g++) {
            int head0 = g * group;
            for (int t = t0; t < t1; t++) {
                loadRows(q, ((t - fromRow) * hq + head0) * dim, group, dim, sizes.scale(),
                        s.queries, (t - t0) * group);
                for (int x = 0; x < group; x++) {
                    s.ownFrom[(t - t0) * group + x] = 0;
                    s.ownTo[(t - t0) * group + x] = sizes.visibleCompressed(t);
                }
            }
            softmaxBranch(sizes, r0, vectors, head0, CMP, kct, vc, g, s, 0,
                    sizes.visibleCompressed(t1 - 1), branches, lse);
            for (int t = t0; t < t1; t++) {
                int r = t - fromRow;
                int visible = sizes.visibleCompressed(t);
                // The choice reads p = exp(score - lse), the probabilities the backward sees.
                Arrays.fill(s.blockScores, 0);
                for (int x = 0; x < group; x++) {
                    int i = (t - t0) * group + x;
                    float cmpLse = lse[(r * hq + head0 + x) * 3 + CMP];
                    System.arraycopy(s.scores[i], 0, s.weights[i], 0, visible);
                    VectorExp.exp(s.weights[i], 0, visible, cmpLse, s.expScratch);
                    BlockSelection.addScores(s.weights[i], 0, visible, params, s.blockScores);
                }
                int at = (r * sizes.kvHeads() + g) * count;
                BlockSelection.choose(s.blockScores, t, params, s.chosen, s.best, selected, at);
            }
            for (int t = t0; t < t1; t++) {
                for (int x = 0; x < group; x++) {
                    s.ownFrom[(t - t0) * group + x] = Math.max(0, t - params.window() + 1);
                    s.ownTo[(t - t0) * group + x] = t + 1;
                }
            }
            softmaxBranch(sizes, r0, vectors, head0, WIN, kWin, vWin, g, s,
                    Math.max(0, t0 - params.window() + 1), t1, branches, lse);
            if (shared) {
                // The selected blocks inside a row's window (the local ones at least) take
                // their scores from it, each branch keeping its own softmax.
                for (int t = t0; t < t1; t++) {
                    SelectedBranch.takeWindowScores(sizes, t, t - firstOfItem, g, selected,
                            firstOfItem - fromRow, Math.max(0, t - params.window() + 1),
                            s.scores, (t - t0) * group, selectedScratch);
                }
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
     * One branch for the scratch's query vectors {@code [0, n)}, vector i being head
     * {@code head0 + i % G} of row {@code r0 + i / G} (indices of the forward's arrays), each
     * over its own key range {@code [s.ownFrom[i], s.ownTo[i])} within {@code [from, to)}: the
     * scores of the whole range, left in {@code s.scores}; each vector's softmax over its own
     * keys, its weights zero on the others; one weighted sum of the values over the range, in
     * which the zero weights change nothing; each vector's branch output and log-sum-exp, zeros
     * and -inf where its range holds no key. A vector's results are thus those of its range
     * alone, whatever the other vectors.
     */
    private static void softmaxBranch(Sizes sizes, int r0, int n, int head0, int branch,
            Columns keys, float[][] values, int g, Scratch s, int from, int to,
            float[] branches, float[] lse) {
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        scores(s.queries, n, keys, g, dim, from, to, s.scores);
        for (int i = 0; i < n; i++) {
            float[] w = s.weights[i];
            int lo = s.ownFrom[i];
            int hi = s.ownTo[i];
            Arrays.fill(s.sums[i], 0f);
            if (lo >= hi) {
                Arrays.fill(w, from, to, 0f);
                s.totals[i] = 0;
                continue;
            }
            float max = max(s.scores[i], lo, hi);
            System.arraycopy(s.scores[i], lo, w, lo, hi - lo);
            VectorExp.exp(w, lo, hi, max, s.expScratch);
            Arrays.fill(w, from, lo, 0f);
            Arrays.fill(w, hi, to, 0f);
            s.maxima[i] = max;
            s.totals[i] = sum(w, lo, hi);
        }
        if (from < to) {
            weightedRange(s.weights, from, n, values, sizes.kvHeads(), g, from, to, s.sums, 0);
        }
        for (int i = 0; i < n; i++) {
            int rowAt = ((r0 + i / group) * hq + head0 + i % group) * 3 + branch;
            int at = rowAt * dim;
            if (s.totals[i] == 0) {
                Arrays.fill(branches, at, at + dim, 0f);
                lse[rowAt] = Float.NEGATIVE_INFINITY;
                continue;
            }
            double inverse = 1 / s.totals[i];
            float[] sum = s.sums[i];
            for (int d = 0; d < dim; d++) {
                branches[at + d] = (float) (sum[d] * inverse);
            }
            lse[rowAt] = (float) (s.maxima[i] + Math.log(s.totals[i]));
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
        Columns kt = Columns.of(k, length, sizes);
        Columns vt = Columns.of(v, length, sizes);
        Columns kWinT = kWin == k ? kt : Columns.of(kWin, length, sizes);
        Columns vWinT = vWin == v ? vt : Columns.of(vWin, length, sizes);
        Columns kct = Columns.of(kc, sizes.compressed(), sizes);
        Columns vct = Columns.of(vc, sizes.compressed(), sizes);
        float[][] kRows = rows(k, length, sizes);
        float[][] kWinRows = kWin == k ? kRows : rows(kWin, length, sizes);
        float[][] kcRows = rows(kc, sizes.compressed(), sizes);
        // The row terms dout_b . o_b, b the branch, with dout_b = gate_b * dout.
        double[] delta = new double[length * hq * 3];
        float[] dgates = new float[length * hq * 3];
        float[] dq = new float[length * hq * dim];
        Kept kept = keys ? Kept.of(sizes) : null;
        BlockColumns kBlocks = BlockColumns.of(k, sizes);
        BlockColumns vBlocks = BlockColumns.of(v, sizes);
        float scale = sizes.scale();
        IntStream.range(0, ceilDiv(length, ROWS_PER_ITEM)).parallel().forEach(item -> {
            Scratch scratch = new Scratch(sizes, 1);
            int first = item * ROWS_PER_ITEM;
            int last = Math.min(length, first + ROWS_PER_ITEM);
            // Unscaled dq rows of the item, [r * Hq + h][d]: the compressed and window
            // branches' shares, then the selected branch's.
            float[][] dqRows = new float[(last - first) * hq][dim];
            for (int t = first; t < last; t++) {
                queryGradients(sizes, t, t - first, q, kWinRows, kWinT, vWinT, kcRows, kct, vct,
                        gates, forward, dout, delta, dgates, dqRows, scratch, kept);
            }
            SelectedBranch.queryGradients(sizes, first, last - first, q, dout, kBlocks, vBlocks,
                    kRows, forward.selected(), gates, forward.lse(), delta, kept,
                    new SelectedBranch.BackwardScratch(sizes, last - first), dqRows);
            for (int i = 0; i < dqRows.length; i++) {
                int at = (first * hq + i) * dim;
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
            keyGradients(sizes, q, kt, vt, kWinT, vWinT, gates, forward, dout, delta, kept, dk,
                    dv, dkWin, dvWin);
        }
        float[] dkc = null;
        float[] dvc = null;
        if (compressed) {
            dkc = new float[sizes.compressed() * sizes.kvHeads() * dim];
            dvc = new float[dkc.length];
            compressedGradients(sizes, q, kct, vct, gates, forward, dout, delta, dkc, dvc);
        }
        return new Gradients(dq, dk, dv, dkWin, dvWin, dkc, dvc, dgates);
    }

    /**
     * Row t's gate gradients and row terms, and the compressed and window branches' shares of
     * its dq, unscaled, into {@code dqRows[r * Hq + h]}; the selected branch's share follows
     * for the whole item ({@link SelectedBranch}).
     */
    private static void queryGradients(Sizes sizes, int t, int r, float[] q, float[][] kWin,
            Columns kWinT, Columns vWinT, float[][] kc, Columns kct, Columns vct, float[] gates,
            Forward forward, float[] dout, double[] delta, float[] dgates, float[][] dqRows,
            Scratch s, Kept kept) {
        NsaParams params = sizes.params();
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        float scale = sizes.scale();
        for (int h = 0; h < hq; h++) {
            int qAt = (t * hq + h) * dim;
            int rowAt = (t * hq + h) * 3;
            for (int b = 0; b < 3; b++) {
                double dot = 0;
                int branchAt = (rowAt + b) * dim;
                for (int d = 0; d < dim; d++) {
                    dot += (double) dout[qAt + d] * forward.branches()[branchAt + d];
                }
                dgates[rowAt + b] = (float) dot;
                delta[rowAt + b] = gates[rowAt + b] * dot;
            }
        }
        int hkv = sizes.kvHeads();
        for (int g = 0; g < hkv; g++) {
            int head0 = g * group;
            int qAt = (t * hq + head0) * dim;
            loadRows(q, qAt, group, dim, scale, s.queries);
            loadRows(dout, qAt, group, dim, 1f, s.douts);
            for (int x = 0; x < group; x++) {
                Arrays.fill(s.sums[x], 0f);
            }
            int visible = sizes.visibleCompressed(t);
            if (visible > 0) {
                scoreGradients(sizes, t, head0, CMP, kct, vct, g, s, gates, forward.lse(),
                        delta, 0, visible);
                weightedRange(s.weights, 0, group, kc, hkv, g, 0, visible, s.sums, 0);
            }
            int from = Math.max(0, t - params.window() + 1);
            scoreGradients(sizes, t, head0, WIN, kWinT, vWinT, g, s, gates, forward.lse(),
                    delta, from, t + 1);
            weightedRange(s.weights, from, group, kWin, hkv, g, from, t + 1, s.sums, 0);
            if (kept != null) {
                kept.keep(t, head0, WIN, -from, from, t + 1, s, gates);
            }
            for (int x = 0; x < group; x++) {
                System.arraycopy(s.sums[x], 0, dqRows[r * hq + head0 + x], 0, dim);
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
    private static void keyGradients(Sizes sizes, float[] q, Columns kt, Columns vt,
            Columns kWinT, Columns vWinT, float[] gates, Forward forward, float[] dout,
            double[] delta, Kept kept, float[] dk, float[] dv, float[] dkWin, float[] dvWin) {
        int length = sizes.length();
        int hkv = sizes.kvHeads();
        int blocks = sizes.blocks();
        int count = sizes.params().selectCount();
        int selectBlock = sizes.params().selectBlock();
        int window = sizes.params().window();
        int dim = sizes.dim();
        // The inverted index: for (g, j), the rows that selected block j, ascending.
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
        int[] rows = new int[start[hkv * blocks]];
        int[] fill = Arrays.copyOf(start, hkv * blocks);
        for (int t = 0; t < length; t++) {
            for (int g = 0; g < hkv; g++) {
                for (int c = 0; c < count; c++) {
                    int block = selected[(t * hkv + g) * count + c];
                    if (block >= 0) {
                        rows[fill[g * blocks + block]++] = t;
                    }
                }
            }
        }
        IntStream.range(0, hkv * blocks).parallel().forEach(item -> {
            Scratch scratch = new Scratch(sizes, 1);
            int g = item / blocks;
            int block = item % blocks;
            int from = block * selectBlock;
            int to = Math.min(length, from + selectBlock);
            float[][] dkAcc = new float[to - from][dim];
            float[][] dvAcc = new float[to - from][dim];
            for (int at = start[item]; at < start[item + 1]; at++) {
                int t = rows[at];
                int end = Math.min(to, t + 1);
                if (kept == null) {
                    addKeyShares(sizes, t, g, SLC, from, end, q, kt, vt, gates, forward, dout,
                            delta, scratch, dkAcc, dvAcc, from);
                    continue;
                }
                // The block's place c in the row's choice puts its keys at c * l' in the kept.
                int c = 0;
                while (selected[(t * hkv + g) * count + c] != block) {
                    c++;
                }
                addKeptShares(sizes, t, g, SLC, c * selectBlock - from, from, end, q, dout,
                        kept, scratch, dkAcc, dvAcc, from);
            }
            store(dkAcc, dk, from, to, g, hkv, dim);
            store(dvAcc, dv, from, to, g, hkv, dim);
            // The window's own accumulators: reused zeroed, so items allocate no more than
            // when both branches summed into one.
            for (int i = 0; i < dkAcc.length; i++) {
                Arrays.fill(dkAcc[i], 0f);
                Arrays.fill(dvAcc[i], 0f);
            }
            int lastRow = Math.min(length, to + window - 1);
            for (int t = from; t < lastRow; t++) {
                int windowFrom = Math.max(0, t - window + 1);
                int first = Math.max(from, windowFrom);
                int end = Math.min(to, t + 1);
                if (first < end && kept == null) {
                    addKeyShares(sizes, t, g, WIN, first, end, q, kWinT, vWinT, gates, forward,
                            dout, delta, scratch, dkAcc, dvAcc, from);
                } else if (first < end) {
                    addKeptShares(sizes, t, g, WIN, -windowFrom, first, end, q, dout, kept,
                            scratch, dkAcc, dvAcc, from);
                }
            }
            store(dkAcc, dkWin, from, to, g, hkv, dim);
            store(dvAcc, dvWin, from, to, g, hkv, dim);
        });
    }

    /**
     * dkc and dvc, one item per (kv head, range of compressed tokens): each token gathers from
     * every row that sees it, in row order.
     */
    private static void compressedGradients(Sizes sizes, float[] q, Columns kct, Columns vct,
            float[] gates, Forward forward, float[] dout, double[] delta, float[] dkc,
            float[] dvc) {
        int compressed = sizes.compressed();
        if (compressed == 0) {
            return;
        }
        int hkv = sizes.kvHeads();
        int dim = sizes.dim();
        int length = sizes.length();
        NsaParams params = sizes.params();
        int ranges = ceilDiv(compressed, COMPRESSED_PER_ITEM);
        IntStream.range(0, hkv * ranges).parallel().forEach(item -> {
            Scratch scratch = new Scratch(sizes, 1);
            int g = item / ranges;
            int from = (item % ranges) * COMPRESSED_PER_ITEM;
            int to = Math.min(compressed, from + COMPRESSED_PER_ITEM);
            float[][] dkAcc = new float[to - from][dim];
            float[][] dvAcc = new float[to - from][dim];
            for (int t = from * params.stride() + params.blockLen() - 1; t < length; t++) {
                int end = Math.min(to, sizes.visibleCompressed(t));
                addKeyShares(sizes, t, g, CMP, from, end, q, kct, vct, gates, forward, dout,
                        delta, scratch, dkAcc, dvAcc, from);
            }
            store(dkAcc, dkc, from, to, g, hkv, dim);
            store(dvAcc, dvc, from, to, g, hkv, dim);
        });
    }

    /**
     * As {@link #addKeyShares} for a selected or window branch, from what the query side kept:
     * key s's weights at {@code s + shift} in the row's kept arrays.
     */
    private static void addKeptShares(Sizes sizes, int t, int g, int branch, int shift,
            int from, int to, float[] q, float[] dout, Kept kept, Scratch s, float[][] dkAcc,
            float[][] dvAcc, int base) {
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int head0 = g * group;
        int qAt = (t * hq + head0) * dim;
        loadRows(q, qAt, group, dim, sizes.scale(), s.queries);
        loadRows(dout, qAt, group, dim, 1f, s.douts);
        for (int x = 0; x < group; x++) {
            kept.read(t, head0 + x, branch, shift, from, to, s.scores[x], s.weights[x]);
        }
        rankUpdate(s.weights, s.queries, group, from, to, dkAcc, base);
        rankUpdate(s.scores, s.douts, group, from, to, dvAcc, base);
    }

    /**
     * The shares of row t's query heads in group g, branch {@code branch}, in the gradients of
     * keys {@code [from, to)}, added to accumulators whose first row is key {@code base}.
     */
    private static void addKeyShares(Sizes sizes, int t, int g, int branch, int from, int to,
            float[] q, Columns keys, Columns values, float[] gates, Forward forward,
            float[] dout, double[] delta, Scratch s, float[][] dkAcc, float[][] dvAcc,
            int base) {
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
        }
        rankUpdate(s.weights, s.queries, group, from, to, dkAcc, base);
        rankUpdate(s.scores, s.douts, group, from, to, dvAcc, base);
    }

    /** Writes accumulated rows {@code [from, to)} of kv head g into a {@code [N, Hkv, D]} array. */
    private static void store(float[][] acc, float[] out, int from, int to, int g, int hkv,
            int dim) {
        for (int s = from; s < to; s++) {
            System.arraycopy(acc[s - from], 0, out, (s * hkv + g) * dim, dim);
        }
    }

    /**
     * Row-major {@code [N, Hkv, D]} as one array per (key, kv head), {@code [s * Hkv + g]}: the
     * loops along D then index their row and their accumulator alike, which the JIT needs to
     * vectorise them.
     */
    private static float[][] rows(float[] x, int n, Sizes sizes) {
        int dim = sizes.dim();
        float[][] rows = new float[n * sizes.kvHeads()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Arrays.copyOfRange(x, i * dim, (i + 1) * dim);
        }
        return rows;
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

    /**
     * {@code out[x][i] = rows[x] . key_i} for the first n keys of one block of
     * {@link BlockColumns}, its columns {@code [base, base + dim)}: {@link #scores} for the
     * selected branch.
     */
    static void blockScores(float[][] rows, int group, float[][] columns, int base, int dim,
            int n, float[][] out) {
        int x = 0;
        for (; x + HEADS_TOGETHER <= group; x += HEADS_TOGETHER) {
            scores4(rows[x], rows[x + 1], rows[x + 2], rows[x + 3], columns, base, dim, 0, n,
                    out[x], out[x + 1], out[x + 2], out[x + 3]);
        }
        for (; x < group; x++) {
            scores1(rows[x], columns, base, dim, 0, n, out[x]);
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

    /**
     * {@code y[yFrom + x] += sum_s w[x][wFrom + s - from] * row_s} over keys
     * {@code from <= s < to} in ascending order, rows as {@link #rows} gives them, four heads
     * sharing each row load.
     */
    static void weightedRange(float[][] w, int wFrom, int group, float[][] rows, int hkv,
            int g, int from, int to, float[][] y, int yFrom) {
        int dim = y[yFrom].length;
        int shift = wFrom - from;
        int x = 0;
        for (; x + HEADS_TOGETHER <= group; x += HEADS_TOGETHER) {
            float[] wa = w[x];
            float[] wb = w[x + 1];
            float[] wc = w[x + 2];
            float[] we = w[x + 3];
            float[] ya = y[yFrom + x];
            float[] yb = y[yFrom + x + 1];
            float[] yc = y[yFrom + x + 2];
            float[] ye = y[yFrom + x + 3];
            int s = from;
            // Two keys a pass: each load and store of the sums serves eight products.
            for (; s + 2 <= to; s += 2) {
                float[] row0 = rows[s * hkv + g];
                float[] row1 = rows[(s + 1) * hkv + g];
                float pa0 = wa[s + shift];
                float pb0 = wb[s + shift];
                float pc0 = wc[s + shift];
                float pe0 = we[s + shift];
                float pa1 = wa[s + 1 + shift];
                float pb1 = wb[s + 1 + shift];
                float pc1 = wc[s + 1 + shift];
                float pe1 = we[s + 1 + shift];
                for (int d = 0; d < dim; d++) {
                    float e0 = row0[d];
                    float e1 = row1[d];
                    ya[d] = Math.fma(pa1, e1, Math.fma(pa0, e0, ya[d]));
                    yb[d] = Math.fma(pb1, e1, Math.fma(pb0, e0, yb[d]));
                    yc[d] = Math.fma(pc1, e1, Math.fma(pc0, e0, yc[d]));
                    ye[d] = Math.fma(pe1, e1, Math.fma(pe0, e0, ye[d]));
                }
            }
            if (s < to) {
                float[] row = rows[s * hkv + g];
                float pa = wa[s + shift];
                float pb = wb[s + shift];
                float pc = wc[s + shift];
                float pe = we[s + shift];
                for (int d = 0; d < dim; d++) {
                    float e = row[d];
                    ya[d] = Math.fma(pa, e, ya[d]);
                    yb[d] = Math.fma(pb, e, yb[d]);
                    yc[d] = Math.fma(pc, e, yc[d]);
                    ye[d] = Math.fma(pe, e, ye[d]);
                }
            }
        }
        for (; x < group; x++) {
            float[] wx = w[x];
            float[] yx = y[yFrom + x];
            for (int s = from; s < to; s++) {
                float[] row = rows[s * hkv + g];
                float p = wx[s + shift];
                for (int d = 0; d < dim; d++) {
                    yx[d] = Math.fma(p, row[d], yx[d]);
                }
            }
        }
    }

    /**
     * {@code acc[s - base][d] += sum_x a[x][s] * b[x][d]} for keys {@code from <= s < to}: the
     * key side's rank-one updates, heads in order, four of them per load and store of the
     * accumulator.
     */
    private static void rankUpdate(float[][] a, float[][] b, int group, int from, int to,
            float[][] acc, int base) {
        int x = 0;
        for (; x + HEADS_TOGETHER <= group; x += HEADS_TOGETHER) {
            float[] ba = b[x];
            float[] bb = b[x + 1];
            float[] bc = b[x + 2];
            float[] be = b[x + 3];
            for (int s = from; s < to; s++) {
                float aa = a[x][s];
                float ab = a[x + 1][s];
                float ac = a[x + 2][s];
                float ae = a[x + 3][s];
                float[] row = acc[s - base];
                for (int d = 0; d < row.length; d++) {
                    row[d] = Math.fma(ae, be[d], Math.fma(ac, bc[d],
                            Math.fma(ab, bb[d], Math.fma(aa, ba[d], row[d]))));
                }
            }
        }
        for (; x < group; x++) {
            float[] bx = b[x];
            for (int s = from; s < to; s++) {
                float ax = a[x][s];
                float[] row = acc[s - base];
                for (int d = 0; d < row.length; d++) {
                    row[d] = Math.fma(ax, bx[d], row[d]);
                }
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

        /** Keeps the group's p * gate and score gradients of keys [from, to) at s + shift. */
        void keep(int t, int head0, int branch, int shift, int from, int to, Scratch s,
                float[] gates) {
            float[] w = weights[branch];
            float[] gr = gradients[branch];
            for (int x = 0; x < s.scores.length; x++) {
                int at = at(t, head0 + x, branch) + shift;
                float gate = gates[(t * queryHeads + head0 + x) * 3 + branch];
                float[] p = s.scores[x];
                for (int i = from; i < to; i++) {
                    w[at + i] = p[i] * gate;
                }
                System.arraycopy(s.weights[x], from, gr, at + from, to - from);
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

        /** Head h's kept values of keys [from, to) into {@code weights} and {@code gradients}. */
        void read(int t, int h, int branch, int shift, int from, int to, float[] w,
                float[] gr) {
            int at = at(t, h, branch) + shift + from;
            System.arraycopy(weights[branch], at, w, from, to - from);
            System.arraycopy(gradients[branch], at, gr, from, to - from);
        }
    }

    /**
     * The scratch one item reuses row after row, per query vector (a head of a group, of one
     * row or, in the forward, of a few rows together): rows and key blocks.
     */
    private static final class Scratch {
        /** The vectors' queries times {@code 1/sqrt(D)}, {@code [vectors][D]}. */
        final float[][] queries;
        /** The vectors' output gradients, {@code [vectors][D]}. */
        final float[][] douts;
        /** Scores, then probabilities, per vector, at their keys' indices. */
        final float[][] scores;
        /** Softmax weights or score gradients, laid out as scores. */
        final float[][] weights;
        /** Weighted sums per head, {@code [G][D]}. */
        final float[][] sums;
        final float[] maxima;
        final double[] totals;
        /** Each query vector's own key range, within the range a branch scores. */
        final int[] ownFrom;
        final int[] ownTo;
        final float[] expScratch;
        final double[] blockScores;
        final boolean[] chosen;
        final int[] best;

        /** @param rows the query rows whose heads it holds at once */
        Scratch(Sizes sizes, int rows) {
            NsaParams params = sizes.params();
            int group = sizes.group() * rows;
            int dim = sizes.dim();
            int length = sizes.length();
            // Scores sit at their key's index: a compressed token's below Nc <= T.
            int keys = Math.max(1, Math.max(length, sizes.compressed()));
            queries = new float[group][dim];
            douts = new float[group][dim];
            scores = new float[group][keys];
            weights = new float[group][keys];
            sums = new float[group][dim];
            maxima = new float[group];
            totals = new double[group];
            ownFrom = new int[group];
            ownTo = new int[group];
            expScratch = new float[keys];
            blockScores = new double[sizes.blocks()];
            chosen = new boolean[sizes.blocks()];
            best = new int[params.selectCount()];
        }
    }
}
