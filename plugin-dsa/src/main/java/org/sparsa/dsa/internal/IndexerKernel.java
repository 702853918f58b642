package org.sparsa.dsa.internal;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The indexer's KL losses (spec steps 3 and 4) fused in plain Java over row-major float arrays,
 * one sequence at a time, never holding a {@code T x T} matrix. Per query row {@code t} the loss
 * is {@code KL(p[t] || softmax(I[t]))} over the row's keys: every visible key (dense warm-up) or
 * the row's selection (sparse stage). The teacher {@code p[t]} is the mean over the query heads
 * of their softmaxes of {@code q . k / sqrt(D)}, which is the spec's L1-normalised sum since each
 * softmax sums to 1. Checked against {@link DsaReference}.
 *
 * <p>Four passes over a block of {@value #ROWS} rows in tiles of {@value #TILE} keys, so a
 * tile of keys is read once for the block:
 * <ol>
 * <li>statistics: the log-sum-exp of every teacher head and of the student, online (running
 *     maximum, rescaled sum);</li>
 * <li>the loss of each row, {@code sum_s p (log p - I + lse_I)}, from the statistics and the
 *     logits pass 1 kept;</li>
 * <li>backward by row: with {@code g[t,s] = c * (softmax(I)[s] - p[s])}, the gradients of the
 *     row's w and qi;</li>
 * <li>backward by key owner: each key sums {@code g[t,s] w[t,j] [z > 0] qi[t,j]} over the rows
 *     that read it, in ascending row order (all later rows for the dense loss, an inverted index
 *     of the selection for the sparse one).</li>
 * </ol>
 * Every value written belongs to one work item and is summed in a fixed order, with no shared
 * accumulator, so results are bit-identical run to run and for any number of threads. The
 * backward recomputes scores from the saved statistics instead of keeping them.
 *
 * <p>Public, in a package the bundle keeps private, so that the benchmarks can time it.
 */
public final class IndexerKernel {
    /** Query rows per work item: they share each tile of keys read. */
    static final int ROWS = 8;
    /** Keys per tile: a tile of k and ki stays in cache while the block's rows read it. */
    static final int TILE = 64;

    private IndexerKernel() {
    }

    /**
     * The sizes of one sequence; queries and keys are the same T positions.
     *
     * @param length positions T
     * @param queryHeads teacher query heads Hq
     * @param kvHeads teacher key heads Hkv, dividing Hq
     * @param dim teacher head width D
     * @param indexHeads index heads HI
     * @param indexDim index width dI
     * @param topK the width of a selection row; 0 for the dense loss, over every visible key
     */
    public record Sizes(int length, int queryHeads, int kvHeads, int dim, int indexHeads,
            int indexDim, int topK) {
        public Sizes {
            if (length < 1 || queryHeads < 1 || kvHeads < 1 || dim < 1 || indexHeads < 1
                    || indexDim < 1 || topK < 0 || queryHeads % kvHeads != 0) {
                throw new IllegalArgumentException("indexer kernel: sizes must be positive "
                        + "(top_k from 0) and kv heads divide query heads; found T " + length
                        + ", Hq " + queryHeads + ", Hkv " + kvHeads + ", D " + dim + ", HI "
                        + indexHeads + ", dI " + indexDim + ", top_k " + topK);
            }
        }

        boolean sparse() {
            return topK > 0;
        }
    }

    /**
     * One sequence's inputs.
     *
     * @param q teacher queries {@code [T, Hq, D]}
     * @param k teacher keys {@code [T, Hkv, D]}
     * @param qi index queries {@code [T, HI, dI]}
     * @param ki index keys {@code [T, dI]}
     * @param w index head weights {@code [T, HI]}
     * @param selected the selection {@code [T, topK]}, rows ascending and padded with -1, as
     *     {@link DsaKernel#select} gives; empty for the dense loss
     */
    public record Inputs(float[] q, float[] k, float[] qi, float[] ki, float[] w, int[] selected) {
    }

    /**
     * What the forward keeps for the backward.
     *
     * @param kl each row's KL, {@code [T]}
     * @param teacherLse each row and query head's log-sum-exp of its scaled logits, {@code [T, Hq]}
     * @param studentLse each row's log-sum-exp of the index scores, {@code [T]}
     */
    public record Forward(float[] kl, float[] teacherLse, float[] studentLse) {
    }

    /**
     * The gradients of the indexer's inputs.
     *
     * @param dqi {@code [T, HI, dI]}
     * @param dki {@code [T, dI]}
     * @param dw {@code [T, HI]}
     */
    public record Gradients(float[] dqi, float[] dki, float[] dw) {
    }

    /** Passes 1 and 2: the statistics and each row's KL. */
    public static Forward forward(Sizes sizes, Inputs in) {
        require(sizes, in);
        int length = sizes.length();
        int heads = sizes.queryHeads();
        float[] teacherLse = new float[length * heads];
        float[] studentLse = new float[length];
        float[] kl = new float[length];
        IntStream.range(0, blocks(length, ROWS)).parallel().forEach(block -> {
            Scratch scratch = new Scratch(sizes);
            int from = block * ROWS;
            int to = Math.min(length, from + ROWS);
            Kept kept = new Kept(sizes, to - from, tiles(sizes, to - 1));
            statistics(sizes, in, from, to, scratch, kept, teacherLse, studentLse);
            losses(sizes, from, to, scratch, kept, teacherLse, studentLse, kl);
        });
        return new Forward(kl, teacherLse, studentLse);
    }

    /**
     * Passes 3 and 4: the gradients of qi, ki and w when each row's KL has gradient
     * {@code rowGradient} (the loss's gradient over the number of rows it averages).
     */
    public static Gradients backward(Sizes sizes, Inputs in, Forward forward, float rowGradient) {
        require(sizes, in);
        int length = sizes.length();
        float[] dqi = new float[in.qi().length];
        float[] dw = new float[in.w().length];
        float[] dki = new float[in.ki().length];
        IntStream.range(0, blocks(length, ROWS)).parallel().forEach(block -> {
            Scratch scratch = new Scratch(sizes);
            int from = block * ROWS;
            rowGradients(sizes, in, forward, rowGradient, from, Math.min(length, from + ROWS),
                    scratch, dqi, dw);
        });
        Owners owners = Owners.of(sizes, in.selected());
        IntStream.range(0, blocks(length, TILE)).parallel().forEach(block -> {
            Scratch scratch = new Scratch(sizes);
            int from = block * TILE;
            keyGradients(sizes, in, forward, rowGradient, owners, from,
                    Math.min(length, from + TILE), scratch, dki);
        });
        return new Gradients(dqi, dki, dw);
    }

    /**
     * Pass 1: online log-sum-exps of rows {@code from .. to}, tile by tile, keeping each tile's
     * logits for pass 2.
     */
    private static void statistics(Sizes sizes, Inputs in, int from, int to, Scratch scratch,
            Kept kept, float[] teacherLse, float[] studentLse) {
        int heads = sizes.queryHeads();
        int rows = to - from;
        double[] max = new double[rows * (heads + 1)];
        double[] sum = new double[rows * (heads + 1)];
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int tile = 0; tile < tiles(sizes, to - 1); tile++) {
            for (int t = from; t < to; t++) {
                int count = scratch.fill(sizes, in, t, tile);
                kept.keep(t - from, tile, count, scratch);
                // Slot 0 .. heads-1 the teacher heads, slot heads the student.
                for (int slot = 0; slot <= heads; slot++) {
                    float[] logits = slot < heads ? scratch.teacher[slot] : scratch.student;
                    int at = (t - from) * (heads + 1) + slot;
                    double tileMax = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < count; c++) {
                        tileMax = Math.max(tileMax, logits[c]);
                    }
                    if (count == 0) {
                        continue;
                    }
                    double newMax = Math.max(max[at], tileMax);
                    double total = sum[at] * Math.exp(max[at] - newMax);
                    for (int c = 0; c < count; c++) {
                        total += Math.exp(logits[c] - newMax);
                    }
                    max[at] = newMax;
                    sum[at] = total;
                }
            }
        }
        for (int t = from; t < to; t++) {
            for (int slot = 0; slot <= heads; slot++) {
                int at = (t - from) * (heads + 1) + slot;
                float lse = (float) (max[at] + Math.log(sum[at]));
                if (slot < heads) {
                    teacherLse[t * heads + slot] = lse;
                } else {
                    studentLse[t] = lse;
                }
            }
        }
    }

    /**
     * Pass 2: {@code KL[t] = sum_s p (log p - (I - lse_I))}, with {@code 0 log 0 = 0}, from
     * the logits pass 1 kept.
     */
    private static void losses(Sizes sizes, int from, int to, Scratch scratch, Kept kept,
            float[] teacherLse, float[] studentLse, float[] kl) {
        double[] total = new double[to - from];
        for (int tile = 0; tile < tiles(sizes, to - 1); tile++) {
            for (int t = from; t < to; t++) {
                int count = kept.restore(t - from, tile, scratch);
                for (int c = 0; c < count; c++) {
                    double p = scratch.teacher(c, t, teacherLse, sizes.queryHeads());
                    if (p > 0) {
                        total[t - from] += p * (Math.log(p) - (scratch.student[c]
                                - studentLse[t]));
                    }
                }
            }
        }
        for (int t = from; t < to; t++) {
            kl[t] = (float) total[t - from];
        }
    }

    /** Pass 3: dw and dqi of rows {@code from .. to}, owned by this block. */
    private static void rowGradients(Sizes sizes, Inputs in, Forward forward, float rowGradient,
            int from, int to, Scratch scratch, float[] dqi, float[] dw) {
        int indexHeads = sizes.indexHeads();
        int indexDim = sizes.indexDim();
        for (int tile = 0; tile < tiles(sizes, to - 1); tile++) {
            for (int t = from; t < to; t++) {
                int count = scratch.fill(sizes, in, t, tile);
                for (int c = 0; c < count; c++) {
                    float g = scratch.scoreGradient(c, t, forward, sizes, rowGradient);
                    int key = scratch.keys[c] * indexDim;
                    for (int j = 0; j < indexHeads; j++) {
                        float z = scratch.indexLogits[c * indexHeads + j];
                        if (z > 0) {
                            dw[t * indexHeads + j] += g * z;
                            float scaled = g * in.w()[t * indexHeads + j];
                            int row = (t * indexHeads + j) * indexDim;
                            for (int d = 0; d < indexDim; d++) {
                                dqi[row + d] += scaled * in.ki()[key + d];
                            }
                        }
                    }
                }
            }
        }
    }

    /** Pass 4: dki of keys {@code from .. to}, each over its readers in ascending row order. */
    private static void keyGradients(Sizes sizes, Inputs in, Forward forward, float rowGradient,
            Owners owners, int from, int to, Scratch scratch, float[] dki) {
        int indexHeads = sizes.indexHeads();
        int indexDim = sizes.indexDim();
        for (int s = from; s < to; s++) {
            int key = s * indexDim;
            for (int r = owners.first(s); r < owners.end(s); r++) {
                int t = owners.row(r);
                scratch.fillPair(sizes, in, t, s);
                float g = scratch.scoreGradient(0, t, forward, sizes, rowGradient);
                for (int j = 0; j < indexHeads; j++) {
                    float z = scratch.indexLogits[j];
                    if (z > 0) {
                        float scaled = g * in.w()[t * indexHeads + j];
                        int row = (t * indexHeads + j) * indexDim;
                        for (int d = 0; d < indexDim; d++) {
                            dki[key + d] += scaled * in.qi()[row + d];
                        }
                    }
                }
            }
        }
    }

    /** The number of key tiles of row {@code t}, the last and longest row of its block. */
    private static int tiles(Sizes sizes, int t) {
        int keys = sizes.sparse() ? sizes.topK() : t + 1;
        return blocks(keys, TILE);
    }

    private static int blocks(int n, int size) {
        return (n + size - 1) / size;
    }

    /** {@code sum a[i] b[i]} over {@code n} entries in four fixed lanes, so the JIT can overlap them. */
    static float dot(float[] a, int from, float[] b, int at, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int d = 0;
        for (; d + 3 < n; d += 4) {
            s0 += a[from + d] * b[at + d];
            s1 += a[from + d + 1] * b[at + d + 1];
            s2 += a[from + d + 2] * b[at + d + 2];
            s3 += a[from + d + 3] * b[at + d + 3];
        }
        for (; d < n; d++) {
            s0 += a[from + d] * b[at + d];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** @throws IllegalArgumentException when an array's length does not fit the sizes */
    static void require(Sizes sizes, Inputs in) {
        int length = sizes.length();
        boolean fits = in.q().length == length * sizes.queryHeads() * sizes.dim()
                && in.k().length == length * sizes.kvHeads() * sizes.dim()
                && in.qi().length == length * sizes.indexHeads() * sizes.indexDim()
                && in.ki().length == length * sizes.indexDim()
                && in.w().length == length * sizes.indexHeads()
                && in.selected().length == length * sizes.topK();
        if (!fits) {
            throw new IllegalArgumentException("indexer kernel: expected q [T, Hq, D], k "
                    + "[T, Hkv, D], qi [T, HI, dI], ki [T, dI], w [T, HI] and [T, top_k] "
                    + "selected ids for " + sizes + "; found " + in.q().length + ", "
                    + in.k().length + ", " + in.qi().length + ", " + in.ki().length + ", "
                    + in.w().length + " values and " + in.selected().length + " ids");
        }
    }

    /**
     * The rows that read each key, ascending: every later row for the dense loss, an inverted
     * index of the selection (CSR, built in row order) for the sparse one: the rows that selected
     * key s are {@code rows[start[s] .. start[s + 1])}. The OpenCL kernel reads the same index.
     */
    record Owners(int length, int[] start, int[] rows) {

        static Owners of(Sizes sizes, int[] selected) {
            int length = sizes.length();
            if (!sizes.sparse()) {
                return new Owners(length, null, null);
            }
            return ofSelection(length, length, sizes.topK(), selected);
        }

        /**
         * The inverted index of a selection {@code [queries, topK]} (rows ascending, -1 padded)
         * over {@code keys} keys; the sparse attention's key side reads it too.
         */
        static Owners ofSelection(int keys, int queries, int topK, int[] selected) {
            int[] start = new int[keys + 1];
            for (int id : selected) {
                if (id >= 0) {
                    start[id + 1]++;
                }
            }
            for (int s = 0; s < keys; s++) {
                start[s + 1] += start[s];
            }
            int[] rows = new int[start[keys]];
            int[] next = Arrays.copyOf(start, keys);
            for (int t = 0; t < queries; t++) {
                for (int c = 0; c < topK && selected[t * topK + c] >= 0; c++) {
                    rows[next[selected[t * topK + c]]++] = t;
                }
            }
            return new Owners(queries, start, rows);
        }

        int first(int s) {
            return start == null ? s : start[s];
        }

        int end(int s) {
            return start == null ? length : start[s + 1];
        }

        int row(int r) {
            return rows == null ? r : rows[r];
        }
    }

    /**
     * The forward's teacher logits and index scores per (row of a work item, tile), so that
     * pass 2 reads what pass 1 computed instead of computing every dot product again.
     */
    private static final class Kept {
        private final int[] counts;
        private final float[][] logits;
        private final int tiles;
        private final int heads;

        Kept(Sizes sizes, int rows, int tiles) {
            this.tiles = tiles;
            this.heads = sizes.queryHeads();
            counts = new int[rows * tiles];
            logits = new float[rows * tiles][(heads + 1) * TILE];
        }

        void keep(int r, int tile, int count, Scratch scratch) {
            float[] to = logits[r * tiles + tile];
            for (int h = 0; h < heads; h++) {
                System.arraycopy(scratch.teacher[h], 0, to, h * TILE, count);
            }
            System.arraycopy(scratch.student, 0, to, heads * TILE, count);
            counts[r * tiles + tile] = count;
        }

        /** Puts the kept tile back in the scratch; returns its number of keys. */
        int restore(int r, int tile, Scratch scratch) {
            float[] from = logits[r * tiles + tile];
            int count = counts[r * tiles + tile];
            for (int h = 0; h < heads; h++) {
                System.arraycopy(from, h * TILE, scratch.teacher[h], 0, count);
            }
            System.arraycopy(from, heads * TILE, scratch.student, 0, count);
            return count;
        }
    }

    /**
     * One work item's buffers for a tile of one row: the keys, each teacher head's scaled
     * logits, each index head's logit {@code z = qi . ki} and the index scores.
     */
    private static final class Scratch {
        final int[] keys = new int[TILE];
        final float[][] teacher;
        final float[] indexLogits;
        final float[] student = new float[TILE];
        private final float scale;

        Scratch(Sizes sizes) {
            teacher = new float[sizes.queryHeads()][TILE];
            indexLogits = new float[TILE * sizes.indexHeads()];
            scale = (float) (1 / Math.sqrt(sizes.dim()));
        }

        /** Fills tile {@code tile} of row {@code t}'s keys; returns how many it has. */
        int fill(Sizes sizes, Inputs in, int t, int tile) {
            int count = 0;
            for (int c = tile * TILE; c < (tile + 1) * TILE; c++) {
                int s = sizes.sparse() ? c < sizes.topK() ? in.selected()[t * sizes.topK() + c]
                        : -1 : c <= t ? c : -1;
                if (s < 0) {
                    break;
                }
                keys[count] = s;
                compute(sizes, in, t, s, count++);
            }
            return count;
        }

        /** Fills slot 0 with the pair (t, s). */
        void fillPair(Sizes sizes, Inputs in, int t, int s) {
            keys[0] = s;
            compute(sizes, in, t, s, 0);
        }

        private void compute(Sizes sizes, Inputs in, int t, int s, int c) {
            int heads = sizes.queryHeads();
            int dim = sizes.dim();
            int group = heads / sizes.kvHeads();
            for (int h = 0; h < heads; h++) {
                teacher[h][c] = dot(in.q(), (t * heads + h) * dim, in.k(),
                        (s * sizes.kvHeads() + h / group) * dim, dim) * scale;
            }
            int indexHeads = sizes.indexHeads();
            int indexDim = sizes.indexDim();
            double score = 0;
            for (int j = 0; j < indexHeads; j++) {
                float z = dot(in.qi(), (t * indexHeads + j) * indexDim, in.ki(), s * indexDim,
                        indexDim);
                indexLogits[c * indexHeads + j] = z;
                score += in.w()[t * indexHeads + j] * Math.max(z, 0f);
            }
            student[c] = (float) score;
        }

        /** The teacher's probability of slot c: the mean of the heads' softmaxes. */
        double teacher(int c, int t, float[] teacherLse, int heads) {
            double p = 0;
            for (int h = 0; h < heads; h++) {
                p += Math.exp(teacher[h][c] - teacherLse[t * heads + h]);
            }
            return p / heads;
        }

        /** {@code dKL/dI} of slot c scaled by the row's gradient: {@code softmax(I) - p}. */
        float scoreGradient(int c, int t, Forward forward, Sizes sizes, float rowGradient) {
            double p = teacher(c, t, forward.teacherLse(), sizes.queryHeads());
            double q = Math.exp(student[c] - forward.studentLse()[t]);
            return (float) (rowGradient * (q - p));
        }
    }
}
