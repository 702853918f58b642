package org.sparsa.nsa.internal;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * NSA's three branches fused over plain arrays, for real lengths: the compressed, selected and
 * window attentions of each query row computed block by block with an online softmax, so no
 * {@code T x T} matrix ever exists, and their exact gradients. The compression itself is not
 * here: the caller gives its result, the compressed keys and values.
 *
 * <p><b>Layout.</b> Row-major float arrays: q, o and dout {@code [T, Hq, D]}; k, v
 * {@code [T, Hkv, D]}; kc, vc {@code [Nc, Hkv, D]}; gates {@code [T, Hq, 3]} in the order cmp,
 * slc, win. Query head h reads kv head {@code h / (Hq / Hkv)}.
 *
 * <p><b>Work and determinism.</b> The forward and the query side of the backward (dq, dgates)
 * split into fixed ranges of query rows, each owning the rows it writes. The key side splits by
 * owner: dk and dv into (kv head, selection block) items, each gathering the shares of its keys
 * from the rows that selected the block (an inverted index built in row order) and then from the
 * rows whose window covers them, {@code t in [s, s + w)}; dkc and dvc into (kv head, range of
 * compressed tokens) items, gathering from every row that sees them. Every sum thus runs in an
 * order fixed by the data alone, without atomics, so results are bit-identical from run to run
 * and whatever the number of threads.
 *
 * <p><b>Precision.</b> Scores are float, computed by one routine in both passes so the backward's
 * recomputed probabilities {@code exp(score - lse)} match the forward's; softmax sums, output
 * and gradient accumulators are double.
 */
public final class NsaKernel {
    /** Query rows per forward and dq item: small enough to spread a short sequence. */
    static final int ROWS_PER_ITEM = 16;
    /** Keys per online-softmax step: one rescale of the accumulators per this many keys. */
    static final int CHUNK = 64;
    /** Compressed tokens per dkc and dvc item. */
    static final int COMPRESSED_PER_ITEM = 8;
    private static final int CMP = 0;
    private static final int SLC = 1;
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
     */
    public record Gradients(float[] dq, float[] dk, float[] dv, float[] dkc, float[] dvc,
            float[] dgates) {
    }

    /** The forward over the whole sequence. */
    public static Forward forward(Sizes sizes, float[] q, float[] k, float[] v, float[] kc,
            float[] vc, float[] gates) {
        return forwardRows(sizes, q, k, v, kc, vc, gates, 0, sizes.length());
    }

    /**
     * The forward of query rows {@code [fromRow, toRow)} against all T keys, bit for bit the
     * same rows as the whole sequence's forward: for decoding, which needs the last rows only.
     *
     * @param q the queries of those rows only, {@code [toRow - fromRow, Hq, D]}
     * @param gates the gates of those rows only, {@code [toRow - fromRow, Hq, 3]}
     * @param k keys of the whole sequence, {@code [T, Hkv, D]}; v alike
     * @param kc compressed keys of the whole sequence, {@code [Nc, Hkv, D]}; vc alike
     * @throws IllegalArgumentException when the rows or an array's length do not fit
     */
    public static Forward forwardRows(Sizes sizes, float[] q, float[] k, float[] v, float[] kc,
            float[] vc, float[] gates, int fromRow, int toRow) {
        if (fromRow < 0 || toRow > sizes.length() || fromRow >= toRow) {
            throw new IllegalArgumentException("nsa kernel: rows [" + fromRow + ", " + toRow
                    + ") are not a non-empty range of [0, " + sizes.length() + ")");
        }
        int rows = toRow - fromRow;
        int hq = sizes.queryHeads();
        int dim = sizes.dim();
        requireKeys(sizes, k, v, kc, vc);
        sizes.require("q", q.length, (long) rows * hq * dim);
        sizes.require("gates", gates.length, (long) rows * hq * 3);
        float[] o = new float[rows * hq * dim];
        float[] branches = new float[rows * hq * 3 * dim];
        float[] lse = new float[rows * hq * 3];
        int[] selected = new int[rows * sizes.kvHeads() * sizes.params().selectCount()];
        int items = ceilDiv(rows, ROWS_PER_ITEM);
        IntStream.range(0, items).parallel().forEach(item -> {
            RowScratch scratch = new RowScratch(sizes);
            int first = fromRow + item * ROWS_PER_ITEM;
            int last = Math.min(toRow, first + ROWS_PER_ITEM);
            for (int t = first; t < last; t++) {
                forwardRow(sizes, t, t - fromRow, q, k, v, kc, vc, gates, scratch, o, branches,
                        lse, selected);
            }
        });
        return new Forward(fromRow, toRow, o, branches, lse, selected);
    }

    /** One query row: per kv head, compressed branch, choice, selected and window branches. */
    private static void forwardRow(Sizes sizes, int t, int r, float[] q, float[] k, float[] v,
            float[] kc, float[] vc, float[] gates, RowScratch scratch, float[] o,
            float[] branches, float[] lse, int[] selected) {
        NsaParams params = sizes.params();
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int count = params.selectCount();
        int selectBlock = params.selectBlock();
        int visible = sizes.visibleCompressed(t);
        Softmax softmax = scratch.softmax;
        for (int g = 0; g < sizes.kvHeads(); g++) {
            Arrays.fill(scratch.blockScores, 0);
            for (int x = 0; x < group; x++) {
                int h = g * group + x;
                int qAt = (r * hq + h) * dim;
                softmax.reset();
                softmax.add(q, qAt, kc, vc, g, 0, visible, scratch.compressedScores);
                finish(softmax, r, h, CMP, sizes, branches, lse);
                // The choice reads p = exp(score - lse), the probabilities the backward sees.
                float cmpLse = lse[(r * hq + h) * 3 + CMP];
                for (int i = 0; i < visible; i++) {
                    scratch.probabilities[i] = (float) Math.exp(
                            (double) scratch.compressedScores[i] - cmpLse);
                }
                BlockSelection.addScores(scratch.probabilities, 0, visible, params,
                        scratch.blockScores);
            }
            int at = (r * sizes.kvHeads() + g) * count;
            BlockSelection.choose(scratch.blockScores, t, params, scratch.chosen, scratch.best,
                    selected, at);
            for (int x = 0; x < group; x++) {
                int h = g * group + x;
                int qAt = (r * hq + h) * dim;
                softmax.reset();
                for (int c = 0; c < count; c++) {
                    int block = selected[at + c];
                    if (block >= 0) {
                        softmax.add(q, qAt, k, v, g, block * selectBlock,
                                Math.min((block + 1) * selectBlock, t + 1), null);
                    }
                }
                finish(softmax, r, h, SLC, sizes, branches, lse);
                softmax.reset();
                softmax.add(q, qAt, k, v, g, Math.max(0, t - params.window() + 1), t + 1, null);
                finish(softmax, r, h, WIN, sizes, branches, lse);
                int gateAt = (r * hq + h) * 3;
                int branchAt = (r * hq + h) * 3 * dim;
                for (int d = 0; d < dim; d++) {
                    double out = (double) gates[gateAt + CMP] * branches[branchAt + d]
                            + (double) gates[gateAt + SLC] * branches[branchAt + dim + d]
                            + (double) gates[gateAt + WIN] * branches[branchAt + 2 * dim + d];
                    o[qAt + d] = (float) out;
                }
            }
        }
    }

    /** Writes a finished branch's output and log-sum-exp; zeros and -inf for an empty one. */
    private static void finish(Softmax softmax, int r, int h, int branch, Sizes sizes,
            float[] branches, float[] lse) {
        int dim = sizes.dim();
        int at = ((r * sizes.queryHeads() + h) * 3 + branch) * dim;
        if (softmax.sum == 0) {
            Arrays.fill(branches, at, at + dim, 0f);
            lse[(r * sizes.queryHeads() + h) * 3 + branch] = Float.NEGATIVE_INFINITY;
            return;
        }
        double inverse = 1 / softmax.sum;
        for (int d = 0; d < dim; d++) {
            branches[at + d] = (float) (softmax.acc[d] * inverse);
        }
        lse[(r * sizes.queryHeads() + h) * 3 + branch] =
                (float) (softmax.max + Math.log(softmax.sum));
    }

    /**
     * The gradients of {@code sum(o * dout)} from a whole-sequence forward.
     *
     * @param forward the forward of rows {@code [0, T)}
     * @param keys whether dk and dv are wanted
     * @param compressed whether dkc and dvc are wanted
     * @throws IllegalArgumentException when the forward is not of the whole sequence or an
     *     array's length does not fit
     */
    public static Gradients backward(Sizes sizes, float[] q, float[] k, float[] v, float[] kc,
            float[] vc, float[] gates, Forward forward, float[] dout, boolean keys,
            boolean compressed) {
        int length = sizes.length();
        int hq = sizes.queryHeads();
        int dim = sizes.dim();
        if (forward.fromRow() != 0 || forward.toRow() != length) {
            throw new IllegalArgumentException("nsa kernel: the backward needs the forward of "
                    + "every row");
        }
        requireKeys(sizes, k, v, kc, vc);
        sizes.require("q", q.length, (long) length * hq * dim);
        sizes.require("gates", gates.length, (long) length * hq * 3);
        sizes.require("dout", dout.length, (long) length * hq * dim);
        // The row terms dout_b . o_b, b the branch, with dout_b = gate_b * dout.
        double[] delta = new double[length * hq * 3];
        float[] dgates = new float[length * hq * 3];
        float[] dq = new float[length * hq * dim];
        IntStream.range(0, ceilDiv(length, ROWS_PER_ITEM)).parallel().forEach(item -> {
            double[] acc = new double[dim];
            int first = item * ROWS_PER_ITEM;
            int last = Math.min(length, first + ROWS_PER_ITEM);
            for (int t = first; t < last; t++) {
                queryGradients(sizes, t, q, k, v, kc, vc, gates, forward, dout, delta, dgates,
                        dq, acc);
            }
        });
        float[] dk = null;
        float[] dv = null;
        if (keys) {
            dk = new float[length * sizes.kvHeads() * dim];
            dv = new float[dk.length];
            keyGradients(sizes, q, k, v, gates, forward, dout, delta, dk, dv);
        }
        float[] dkc = null;
        float[] dvc = null;
        if (compressed) {
            dkc = new float[sizes.compressed() * sizes.kvHeads() * dim];
            dvc = new float[dkc.length];
            compressedGradients(sizes, q, kc, vc, gates, forward, dout, delta, dkc, dvc);
        }
        return new Gradients(dq, dk, dv, dkc, dvc, dgates);
    }

    /** Row t's gate gradients, row terms and dq, over the key sets of the forward. */
    private static void queryGradients(Sizes sizes, int t, float[] q, float[] k, float[] v,
            float[] kc, float[] vc, float[] gates, Forward forward, float[] dout,
            double[] delta, float[] dgates, float[] dq, double[] acc) {
        NsaParams params = sizes.params();
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int count = params.selectCount();
        int selectBlock = params.selectBlock();
        float scale = sizes.scale();
        for (int h = 0; h < hq; h++) {
            int g = h / sizes.group();
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
            Arrays.fill(acc, 0);
            float[] lse = forward.lse();
            if (lse[rowAt + CMP] != Float.NEGATIVE_INFINITY) {
                addQueryShare(q, qAt, kc, vc, g, sizes, 0, sizes.visibleCompressed(t),
                        lse[rowAt + CMP], gates[rowAt + CMP], delta[rowAt + CMP], dout, acc);
            }
            int at = (t * sizes.kvHeads() + g) * count;
            for (int c = 0; c < count; c++) {
                int block = forward.selected()[at + c];
                if (block >= 0) {
                    addQueryShare(q, qAt, k, v, g, sizes, block * selectBlock,
                            Math.min((block + 1) * selectBlock, t + 1), lse[rowAt + SLC],
                            gates[rowAt + SLC], delta[rowAt + SLC], dout, acc);
                }
            }
            addQueryShare(q, qAt, k, v, g, sizes, Math.max(0, t - params.window() + 1), t + 1,
                    lse[rowAt + WIN], gates[rowAt + WIN], delta[rowAt + WIN], dout, acc);
            for (int d = 0; d < dim; d++) {
                dq[qAt + d] = (float) (acc[d] * scale);
            }
        }
    }

    /** {@code acc += sum_s dscore_s * key_s} over keys {@code [from, to)} of one branch. */
    private static void addQueryShare(float[] q, int qAt, float[] keys, float[] values, int g,
            Sizes sizes, int from, int to, float lse, float gate, double delta, float[] dout,
            double[] acc) {
        int dim = sizes.dim();
        int hkv = sizes.kvHeads();
        float scale = sizes.scale();
        for (int s = from; s < to; s++) {
            int kAt = (s * hkv + g) * dim;
            double p = Math.exp((double) (dot(q, qAt, keys, kAt, dim) * scale) - lse);
            double dscore = p * (gate * dot(dout, qAt, values, kAt, dim) - delta);
            for (int d = 0; d < dim; d++) {
                acc[d] += dscore * keys[kAt + d];
            }
        }
    }

    /**
     * dk and dv, one item per (kv head, selection block): the block's keys gather from the rows
     * that selected the block, in row order, then from the rows whose window covers them.
     */
    private static void keyGradients(Sizes sizes, float[] q, float[] k, float[] v,
            float[] gates, Forward forward, float[] dout, double[] delta, float[] dk,
            float[] dv) {
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
            int g = item / blocks;
            int block = item % blocks;
            int from = block * selectBlock;
            int to = Math.min(length, from + selectBlock);
            double[] dkAcc = new double[(to - from) * dim];
            double[] dvAcc = new double[dkAcc.length];
            for (int at = start[item]; at < start[item + 1]; at++) {
                int t = rows[at];
                addKeyShares(sizes, t, g, SLC, from, Math.min(to, t + 1), q, k, v, gates,
                        forward, dout, delta, dkAcc, dvAcc, from);
            }
            int lastRow = Math.min(length, to + window - 1);
            for (int t = from; t < lastRow; t++) {
                int first = Math.max(from, t - window + 1);
                int end = Math.min(to, t + 1);
                if (first < end) {
                    addKeyShares(sizes, t, g, WIN, first, end, q, k, v, gates, forward, dout,
                            delta, dkAcc, dvAcc, from);
                }
            }
            store(dkAcc, dk, from, to, g, hkv, dim);
            store(dvAcc, dv, from, to, g, hkv, dim);
        });
    }

    /**
     * dkc and dvc, one item per (kv head, range of compressed tokens): each token gathers from
     * every row that sees it, in row order.
     */
    private static void compressedGradients(Sizes sizes, float[] q, float[] kc, float[] vc,
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
            int g = item / ranges;
            int from = (item % ranges) * COMPRESSED_PER_ITEM;
            int to = Math.min(compressed, from + COMPRESSED_PER_ITEM);
            double[] dkAcc = new double[(to - from) * dim];
            double[] dvAcc = new double[dkAcc.length];
            for (int t = from * params.stride() + params.blockLen() - 1; t < length; t++) {
                int end = Math.min(to, sizes.visibleCompressed(t));
                addKeyShares(sizes, t, g, CMP, from, end, q, kc, vc, gates, forward, dout, delta,
                        dkAcc, dvAcc, from);
            }
            store(dkAcc, dkc, from, to, g, hkv, dim);
            store(dvAcc, dvc, from, to, g, hkv, dim);
        });
    }

    /**
     * The shares of row t's query heads in group g, branch {@code branch}, in the gradients of
     * keys {@code [from, to)}, added to accumulators whose first row is key {@code base}.
     */
    private static void addKeyShares(Sizes sizes, int t, int g, int branch, int from, int to,
            float[] q, float[] keys, float[] values, float[] gates, Forward forward,
            float[] dout, double[] delta, double[] dkAcc, double[] dvAcc, int base) {
        int dim = sizes.dim();
        int hq = sizes.queryHeads();
        int hkv = sizes.kvHeads();
        int group = sizes.group();
        float scale = sizes.scale();
        for (int x = 0; x < group; x++) {
            int h = g * group + x;
            int qAt = (t * hq + h) * dim;
            int rowAt = (t * hq + h) * 3 + branch;
            float lse = forward.lse()[rowAt];
            float gate = gates[rowAt];
            double rowDelta = delta[rowAt];
            for (int s = from; s < to; s++) {
                int kAt = (s * hkv + g) * dim;
                double p = Math.exp((double) (dot(q, qAt, keys, kAt, dim) * scale) - lse);
                double dscore = p * (gate * dot(dout, qAt, values, kAt, dim) - rowDelta)
                        * scale;
                double pGate = p * gate;
                int accAt = (s - base) * dim;
                for (int d = 0; d < dim; d++) {
                    dkAcc[accAt + d] += dscore * q[qAt + d];
                    dvAcc[accAt + d] += pGate * dout[qAt + d];
                }
            }
        }
    }

    /** Writes accumulated rows {@code [from, to)} of kv head g into a {@code [N, Hkv, D]} array. */
    private static void store(double[] acc, float[] out, int from, int to, int g, int hkv,
            int dim) {
        for (int s = from; s < to; s++) {
            int at = (s * hkv + g) * dim;
            int accAt = (s - from) * dim;
            for (int d = 0; d < dim; d++) {
                out[at + d] = (float) acc[accAt + d];
            }
        }
    }

    /**
     * A float dot product with four partial sums in a fixed order: the same float in the forward
     * and both backward passes, and four independent chains instead of one.
     */
    static float dot(float[] a, int aAt, float[] b, int bAt, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int d = 0;
        for (; d + 3 < n; d += 4) {
            s0 += a[aAt + d] * b[bAt + d];
            s1 += a[aAt + d + 1] * b[bAt + d + 1];
            s2 += a[aAt + d + 2] * b[bAt + d + 2];
            s3 += a[aAt + d + 3] * b[bAt + d + 3];
        }
        for (; d < n; d++) {
            s0 += a[aAt + d] * b[bAt + d];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void requireKeys(Sizes sizes, float[] k, float[] v, float[] kc, float[] vc) {
        long kv = (long) sizes.length() * sizes.kvHeads() * sizes.dim();
        long compressed = (long) sizes.compressed() * sizes.kvHeads() * sizes.dim();
        sizes.require("k", k.length, kv);
        sizes.require("v", v.length, kv);
        sizes.require("kc", kc.length, compressed);
        sizes.require("vc", vc.length, compressed);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * One branch's online softmax for one query: the running maximum, the sum of
     * {@code exp(score - max)} and the output accumulator, rescaled when the maximum grows.
     */
    private static final class Softmax {
        private final Sizes sizes;
        private final float[] scores = new float[CHUNK];
        final double[] acc;
        float max;
        double sum;

        Softmax(Sizes sizes) {
            this.sizes = sizes;
            this.acc = new double[sizes.dim()];
        }

        void reset() {
            max = Float.NEGATIVE_INFINITY;
            sum = 0;
            Arrays.fill(acc, 0);
        }

        /**
         * Takes in keys {@code [from, to)} of kv head g, a chunk at a time; with {@code kept}
         * not null, also writes each score there at its key index.
         */
        void add(float[] q, int qAt, float[] keys, float[] values, int g, int from, int to,
                float[] kept) {
            int dim = sizes.dim();
            int hkv = sizes.kvHeads();
            float scale = sizes.scale();
            for (int c0 = from; c0 < to; c0 += CHUNK) {
                int n = Math.min(CHUNK, to - c0);
                float chunkMax = max;
                for (int x = 0; x < n; x++) {
                    float score = dot(q, qAt, keys, ((c0 + x) * hkv + g) * dim, dim) * scale;
                    scores[x] = score;
                    chunkMax = Math.max(chunkMax, score);
                }
                if (kept != null) {
                    System.arraycopy(scores, 0, kept, c0, n);
                }
                if (chunkMax > max) {
                    double alpha = Math.exp((double) max - chunkMax);
                    sum *= alpha;
                    for (int d = 0; d < dim; d++) {
                        acc[d] *= alpha;
                    }
                    max = chunkMax;
                }
                for (int x = 0; x < n; x++) {
                    double p = Math.exp((double) scores[x] - max);
                    sum += p;
                    int vAt = ((c0 + x) * hkv + g) * dim;
                    for (int d = 0; d < dim; d++) {
                        acc[d] += p * values[vAt + d];
                    }
                }
            }
        }
    }

    /** The scratch one forward item reuses row after row. */
    private static final class RowScratch {
        final Softmax softmax;
        final float[] compressedScores;
        final float[] probabilities;
        final double[] blockScores;
        final boolean[] chosen;
        final int[] best;

        RowScratch(Sizes sizes) {
            softmax = new Softmax(sizes);
            compressedScores = new float[sizes.compressed()];
            probabilities = new float[sizes.compressed()];
            blockScores = new double[sizes.blocks()];
            chosen = new boolean[sizes.blocks()];
            best = new int[sizes.params().selectCount()];
        }
    }
}
