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
 * vectorisable polynomial ({@link VectorExp}), not a call per score. The key side recomputes
 * the probabilities and score gradients it needs, two more products per batch of rows
 * ({@link KeyGradients}), instead of keeping the query side's, which would take
 * {@code T * Hq * (min(T, n l') + min(T, w))} floats of each.
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
    /**
     * Compressed tokens per dkc and dvc item, 32 strips of the micro-kernel's six rows: every
     * item packs the queries and douts of all the rows after its first token, so fewer, longer
     * items pack less; at T = 4096 (255 tokens) a kv head still makes two.
     */
    static final int COMPRESSED_PER_ITEM = 192;
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
            TileScratch scratch = new TileScratch(sizes, last - first);
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
            int rows = tileRows(sizes, last - first);
            RangeBranch tile = newTile(sizes, rows, true);
            for (int t0 = first; t0 < last; t0 += rows) {
                queryGradients(sizes, t0, Math.min(last, t0 + rows), first, g, q, dout, gates,
                        forward.lse(), delta, packed, tile, dqRows);
            }
            SelectedBranch.queryGradients(sizes, first, last - first, g, q, dout, packed.k,
                    packed.v, packed.kValues, forward.selected(), gates, forward.lse(), delta,
                    new SelectedBranch.BackwardScratch(sizes, last - first), dqRows);
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
            keyGradients(sizes, q, dout, gates, forward, delta, packed, dk, dv, dkWin, dvWin);
        }
        float[] dkc = null;
        float[] dvc = null;
        if (compressed) {
            dkc = new float[sizes.compressed() * sizes.kvHeads() * dim];
            dvc = new float[dkc.length];
            compressedGradients(sizes, q, dout, gates, forward.lse(), delta, packed, dkc, dvc);
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
     * query heads at once ({@link RangeBranch#gradients}); the selected branch's share follows
     * for the whole item ({@link SelectedBranch}).
     */
    private static void queryGradients(Sizes sizes, int t0, int t1, int first, int g,
            float[] q, float[] dout, float[] gates, float[] lse, double[] delta,
            BackwardKeys packed, RangeBranch tile, float[][] dqRows) {
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
                tile.dq((t - t0) * group + x, dqRows[(t - first) * group + x]);
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
     * dk, dv and dkWin, dvWin, one item per (kv head, selection block): the block's keys gather
     * their selected shares from the rows that selected the block, in row order, and their
     * window shares from the rows whose window covers them, each into its branch's gradients
     * ({@link KeyGradients}).
     */
    private static void keyGradients(Sizes sizes, float[] q, float[] dout, float[] gates,
            Forward forward, double[] delta, BackwardKeys packed, float[] dk, float[] dv,
            float[] dkWin, float[] dvWin) {
        int length = sizes.length();
        int hkv = sizes.kvHeads();
        int blocks = sizes.blocks();
        int count = sizes.params().selectCount();
        int selectBlock = sizes.params().selectBlock();
        int window = sizes.params().window();
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
            KeyGradients work = new KeyGradients(sizes, selectBlock, q, dout, gates,
                    forward.lse(), delta);
            int g = item / blocks;
            int from = item % blocks * selectBlock;
            int to = Math.min(length, from + selectBlock);
            work.begin(packed.k, packed.v, length, g, SLC, from, to);
            for (int at = start[item]; at < start[item + 1]; at++) {
                work.row(rows[at], from, Math.min(to, rows[at] + 1));
            }
            work.end(dk, dv);
            work.begin(packed.kWin, packed.vWin, length, g, WIN, from, to);
            for (int t = from; t < Math.min(length, to + window - 1); t++) {
                int first = Math.max(from, t - window + 1);
                int end = Math.min(to, t + 1);
                if (first < end) {
                    work.row(t, first, end);
                }
            }
            work.end(dkWin, dvWin);
        });
    }

    /**
     * dkc and dvc, one item per (kv head, range of {@link #COMPRESSED_PER_ITEM} compressed
     * tokens): each range gathers from every row that sees it, in row order
     * ({@link KeyGradients}).
     */
    private static void compressedGradients(Sizes sizes, float[] q, float[] dout,
            float[] gates, float[] lse, double[] delta, BackwardKeys packed, float[] dkc,
            float[] dvc) {
        int compressed = sizes.compressed();
        int hkv = sizes.kvHeads();
        int ranges = ceilDiv(compressed, COMPRESSED_PER_ITEM);
        NsaParams params = sizes.params();
        IntStream.range(0, hkv * ranges).parallel().forEach(item -> {
            KeyGradients work = new KeyGradients(sizes, COMPRESSED_PER_ITEM, q, dout, gates,
                    lse, delta);
            int g = item % hkv;
            int from = item / hkv * COMPRESSED_PER_ITEM;
            int to = Math.min(compressed, from + COMPRESSED_PER_ITEM);
            work.begin(packed.kc, packed.vc, compressed, g, CMP, from, to);
            for (int t = from * params.stride() + params.blockLen() - 1; t < sizes.length();
                    t++) {
                work.row(t, from, Math.min(to, sizes.visibleCompressed(t)));
            }
            work.end(dkc, dvc);
        });
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

    /** Query rows per tile of an item of {@code itemRows} rows: all heads of a kv group each. */
    static int tileRows(Sizes sizes, int itemRows) {
        return Math.min(itemRows, Math.max(1, TILE_VECTORS / sizes.group()));
    }

    /**
     * A tile of {@code rows} rows, wide enough for either range branch, for the backward's
     * query side too where {@code backward}.
     */
    static RangeBranch newTile(Sizes sizes, int rows, boolean backward) {
        int window = Math.min(sizes.length(), sizes.params().window() + rows);
        return new RangeBranch(sizes.dim(), rows * sizes.group(),
                Math.max(sizes.compressed(), window), backward);
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

        /** @param itemRows the rows of the item, which a decoding step's few rows keep small */
        TileScratch(Sizes sizes, int itemRows) {
            rows = tileRows(sizes, itemRows);
            tile = newTile(sizes, rows, false);
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
}
