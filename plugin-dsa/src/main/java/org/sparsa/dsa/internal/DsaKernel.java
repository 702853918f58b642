package org.sparsa.dsa.internal;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.sparsa.core.attention.VectorExp;

/**
 * DSA's hot loops in plain Java over row-major float arrays, one sequence at a time, never
 * holding a {@code T x T} matrix: the indexer's selection streams over the keys of a row keeping
 * a running top-k, and the sparse attention touches only the selected keys. Checked against
 * {@link DsaReference}.
 *
 * <p>The sparse attention runs in items of rows (the forward, dq) or of keys (dk, dv). A row's
 * selection lies anywhere in the sequence, so an item is worked key by key, each selected key
 * read once for all the item's rows that chose it, and a key item row by row, each query row
 * read once for all the item's keys it chose. Every value written belongs to one item and every
 * sum runs in ascending order (a row over its keys, a key over the rows that selected it), so
 * no two threads add into one value, results are bit-identical run to run and for any number
 * of threads, and a row's output does not depend on the rows that share its item. Dot products
 * run in eight interleaved chains ({@link #dot}), the weighted sums along D over one array per
 * row, the loop the JIT vectorises, and the exponentials through {@link VectorExp}.
 *
 * <p>Public, in a package the bundle keeps private, so that the benchmarks can time it.
 */
public final class DsaKernel {

    /** Rows that share a tile of keys in the selection. */
    private static final int SELECT_ROWS = 8;
    /** Keys a selection tile holds: 128 keys of dI = 128 floats are 64 KiB. */
    private static final int SELECT_KEYS = 128;
    /**
     * Query rows (or keys, for dk and dv) per work item of the sparse attention: the rows
     * that select one key in an item read it together, and a key item reads each query row
     * once for all its keys the row selected.
     */
    static final int ROWS = 64;

    private DsaKernel() {
    }

    /**
     * The sizes of one sequence.
     *
     * @param queries query positions Tq, the last of them
     * @param keys key positions Tk, at least Tq: the queries are the last Tq positions
     * @param queryHeads query heads Hq
     * @param kvHeads key/value heads Hkv, dividing Hq
     * @param dim head width D
     * @param topK keys each query attends to
     */
    public record Sizes(int queries, int keys, int queryHeads, int kvHeads, int dim, int topK) {
        public Sizes {
            if (queries < 1 || keys < queries || queryHeads < 1 || kvHeads < 1 || dim < 1
                    || topK < 1 || queryHeads % kvHeads != 0) {
                throw new IllegalArgumentException("dsa kernel: sizes must be positive, keys "
                        + "at least queries and kv heads divide query heads; found Tq " + queries
                        + ", Tk " + keys + ", Hq " + queryHeads
                        + ", Hkv " + kvHeads + ", D " + dim + ", top_k " + topK);
            }
        }

        int group() {
            return queryHeads / kvHeads;
        }
    }

    /**
     * What the forward keeps for the backward.
     *
     * @param o the output {@code [T, Hq, D]}
     * @param lse the log-sum-exp of each query head's scaled scores over its selection,
     *     {@code [T, Hq]}
     */
    public record Forward(float[] o, float[] lse) {
    }

    /**
     * The gradients of q, k and v.
     *
     * @param dq {@code [T, Hq, D]}
     * @param dk {@code [T, Hkv, D]}
     * @param dv {@code [T, Hkv, D]}
     */
    public record Gradients(float[] dq, float[] dk, float[] dv) {
    }

    /**
     * The indexer and the selection (spec step 1) without the score matrix: per row,
     * {@code I[t,s] = sum_j w[t,j] * ReLU(qi[t,j] . ki[s])} over the visible keys in order,
     * kept in a bounded heap of the best {@code topK}. Row {@code t} is the query at position
     * {@code first + t}, which sees keys {@code s <= first + t}.
     *
     * @param qi {@code [Tq, HI, dI]}
     * @param ki {@code [first + Tq, dI]}
     * @param w {@code [Tq, HI]}
     * @return {@code [Tq, topK]}, each row ascending and padded with -1, as
     *     {@link TopKSelection#select}
     */
    public static int[] select(int queries, int first, int indexHeads, int indexDim, int topK,
            float[] qi, float[] ki, float[] w) {
        int keys = first + queries;
        if (qi.length != queries * indexHeads * indexDim || ki.length != keys * indexDim
                || w.length != queries * indexHeads || topK < 1) {
            throw new IllegalArgumentException("dsa kernel: expected qi [" + queries + ", "
                    + indexHeads + ", " + indexDim + "], ki [" + keys + ", " + indexDim
                    + "], w [" + queries + ", " + indexHeads + "] and top_k from 1; found "
                    + qi.length + ", " + ki.length + " and " + w.length + " values, top_k "
                    + topK);
        }
        int[] selected = new int[queries * topK];
        Arrays.fill(selected, -1);
        IntStream.range(0, (queries + SELECT_ROWS - 1) / SELECT_ROWS).parallel().forEach(block ->
                selectRows(block * SELECT_ROWS, Math.min(queries, (block + 1) * SELECT_ROWS),
                        first, indexHeads, indexDim, topK, qi, ki, w, selected));
        return selected;
    }

    /**
     * {@link #select} for rows {@code from <= t < to}. The rows share each tile of keys, held
     * transposed ({@code [dI][keys]}) so that a row's scores over the tile are loops along the
     * keys that the JIT vectorises; every row then offers the tile's keys to its heap in
     * ascending order, as a plain stream over the keys would.
     */
    private static void selectRows(int from, int to, int first, int indexHeads, int indexDim,
            int topK, float[] qi, float[] ki, float[] w, int[] selected) {
        TopKHeap[] heaps = new TopKHeap[to - from];
        float[][] columns = new float[indexDim][SELECT_KEYS];
        float[] dots = new float[SELECT_KEYS];
        float[] scores = new float[SELECT_KEYS];
        int keys = first + to;
        for (int tile = 0; tile < keys; tile += SELECT_KEYS) {
            int width = Math.min(SELECT_KEYS, keys - tile);
            for (int i = 0; i < width; i++) {
                for (int d = 0; d < indexDim; d++) {
                    columns[d][i] = ki[(tile + i) * indexDim + d];
                }
            }
            for (int t = from; t < to; t++) {
                int visible = first + t + 1;
                int count = Math.min(width, visible - tile);
                if (visible <= topK || count <= 0) {
                    continue;
                }
                // I[t,s] = sum_j w[t,j] * ReLU(qi[t,j] . ki[s]), heads in order.
                Arrays.fill(scores, 0, count, 0f);
                for (int j = 0; j < indexHeads; j++) {
                    tileDots(qi, (t * indexHeads + j) * indexDim, columns, count, dots);
                    float weight = w[t * indexHeads + j];
                    for (int i = 0; i < count; i++) {
                        scores[i] = Math.fma(weight, Math.max(dots[i], 0f), scores[i]);
                    }
                }
                if (heaps[t - from] == null) {
                    heaps[t - from] = new TopKHeap(topK);
                }
                for (int i = 0; i < count; i++) {
                    heaps[t - from].offer(scores[i], tile + i);
                }
            }
        }
        for (int t = from; t < to; t++) {
            int visible = first + t + 1;
            if (visible <= topK) {
                for (int s = 0; s < visible; s++) {
                    selected[t * topK + s] = s;
                }
            } else {
                heaps[t - from].sortedIndices(selected, t * topK);
            }
        }
    }

    /**
     * {@code out[i] = x[at ..] . column i} for {@code i < count}, against a tile of rows held
     * transposed: one fused multiply-add per dimension in ascending order, two dimensions a pass.
     */
    private static void tileDots(float[] x, int at, float[][] columns, int count, float[] out) {
        int dim = columns.length;
        float x0 = x[at];
        float[] c0 = columns[0];
        for (int i = 0; i < count; i++) {
            out[i] = x0 * c0[i];
        }
        int d = 1;
        for (; d + 2 <= dim; d += 2) {
            float xa = x[at + d];
            float xb = x[at + d + 1];
            float[] ca = columns[d];
            float[] cb = columns[d + 1];
            for (int i = 0; i < count; i++) {
                out[i] = Math.fma(xb, cb[i], Math.fma(xa, ca[i], out[i]));
            }
        }
        if (d < dim) {
            float xa = x[at + d];
            float[] ca = columns[d];
            for (int i = 0; i < count; i++) {
                out[i] = Math.fma(xa, ca[i], out[i]);
            }
        }
    }

    /**
     * Sparse attention of a sequence (spec step 2): per query head, the softmax over the
     * selected keys. Rows go in items of {@value #ROWS}, worked key by key ({@link Choices}):
     * each selected key row is read once for all the item's rows and heads that use it.
     *
     * @param selected {@code [T, topK]} as {@link #select} gives
     */
    public static Forward forward(Sizes sizes, float[] q, float[] k, float[] v, int[] selected) {
        requireInputs(sizes, q, k, v, selected);
        int heads = sizes.queryHeads();
        int dim = sizes.dim();
        int queries = sizes.queries();
        float[] o = new float[q.length];
        float[] lse = new float[queries * heads];
        float[][] qRows = rows(q, dim);
        float[][] kRows = rows(k, dim);
        float[][] vRows = rows(v, dim);
        IntStream.range(0, items(queries)).parallel().forEach(item -> {
            int from = item * ROWS;
            int rows = Math.min(queries, from + ROWS) - from;
            Choices choices = new Choices(sizes, selected, from, rows);
            float[][][] weights = logits(sizes, choices, from, qRows, kRows);
            float[] scratch = new float[sizes.topK()];
            double[] totals = new double[rows * heads];
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < heads; h++) {
                    float[] w = weights[r][h];
                    int count = choices.count(r);
                    float max = Float.NEGATIVE_INFINITY;
                    for (int c = 0; c < count; c++) {
                        max = Math.max(max, w[c]);
                    }
                    VectorExp.exp(w, 0, count, max, scratch);
                    totals[r * heads + h] = sum(w, count);
                    lse[(from + r) * heads + h] = (float) (max + Math.log(totals[r * heads + h]));
                }
            }
            float[][] sums = new float[rows * heads][dim];
            for (int i = 0; i < choices.size(); i++) {
                int r = choices.row(i);
                int c = choices.slot(i);
                for (int h = 0; h < heads; h++) {
                    axpy(weights[r][h][c], vRows[kvRow(sizes, choices.key(i), h)],
                            sums[r * heads + h]);
                }
            }
            for (int i = 0; i < sums.length; i++) {
                double inverse = 1 / totals[i];
                int at = (from * heads + i) * dim;
                for (int d = 0; d < dim; d++) {
                    o[at + d] = (float) (sums[i][d] * inverse);
                }
            }
        });
        return new Forward(o, lse);
    }

    /**
     * The backward of {@link #forward}: probabilities recomputed from the saved log-sum-exp by
     * the forward's own routines; dq by items of rows, dk and dv by items of keys, each worked
     * so that a key or a query row is read once for the item.
     *
     * @param dout the gradient of o, {@code [T, Hq, D]}
     */
    public static Gradients backward(Sizes sizes, float[] q, float[] k, float[] v, int[] selected,
            Forward forward, float[] dout) {
        requireInputs(sizes, q, k, v, selected);
        int queries = sizes.queries();
        int heads = sizes.queryHeads();
        int dim = sizes.dim();
        float scale = (float) (1 / Math.sqrt(dim));
        float[] lse = forward.lse();
        float[][] qRows = rows(q, dim);
        float[][] kRows = rows(k, dim);
        float[][] vRows = rows(v, dim);
        float[][] doutRows = rows(dout, dim);
        // delta[t,h] = dout[t,h] . o[t,h], the softmax backward's row term.
        float[][] oRows = rows(forward.o(), dim);
        float[] delta = new float[queries * heads];
        for (int r = 0; r < delta.length; r++) {
            delta[r] = dot(doutRows[r], oRows[r]);
        }
        float[] dq = new float[q.length];
        IntStream.range(0, items(queries)).parallel().forEach(item -> {
            int from = item * ROWS;
            int rows = Math.min(queries, from + ROWS) - from;
            Choices choices = new Choices(sizes, selected, from, rows);
            float[][][] p = logits(sizes, choices, from, qRows, kRows);
            float[] scratch = new float[sizes.topK()];
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < heads; h++) {
                    VectorExp.exp(p[r][h], 0, choices.count(r), lse[(from + r) * heads + h],
                            scratch);
                }
            }
            // Each row's share of dq sums its keys in ascending order.
            float[][] sums = new float[rows * heads][dim];
            for (int i = 0; i < choices.size(); i++) {
                int r = choices.row(i);
                for (int h = 0; h < heads; h++) {
                    int row = (from + r) * heads + h;
                    int kv = kvRow(sizes, choices.key(i), h);
                    float ds = p[r][h][choices.slot(i)]
                            * (dot(doutRows[row], vRows[kv]) - delta[row]);
                    axpy(ds, kRows[kv], sums[r * heads + h]);
                }
            }
            for (int i = 0; i < sums.length; i++) {
                int at = (from * heads + i) * dim;
                for (int d = 0; d < dim; d++) {
                    dq[at + d] = sums[i][d] * scale;
                }
            }
        });
        float[] dk = new float[k.length];
        float[] dv = new float[v.length];
        KeyReaders readers = new KeyReaders(sizes, selected);
        IntStream.range(0, items(sizes.keys())).parallel().forEach(item -> keyGradients(sizes,
                readers, item * ROWS, Math.min(sizes.keys(), (item + 1) * ROWS), qRows, kRows,
                vRows, doutRows, lse, delta, dk, dv));
        return new Gradients(dq, dk, dv);
    }

    /**
     * dk and dv of keys {@code [from, to)}: each key sums over the rows that selected it, in
     * ascending row order, with {@code p = exp(score - lse)} and the score gradient
     * {@code p (dout . v - delta)}. The item's (row, key) pairs go row by row, so each query and
     * output-gradient row is read once for the item.
     */
    private static void keyGradients(Sizes sizes, KeyReaders readers, int from, int to,
            float[][] qRows, float[][] kRows, float[][] vRows, float[][] doutRows, float[] lse,
            float[] delta, float[] dk, float[] dv) {
        int heads = sizes.queryHeads();
        int group = sizes.group();
        int kvHeads = sizes.kvHeads();
        int dim = sizes.dim();
        float scale = (float) (1 / Math.sqrt(dim));
        int[][] pairs = readers.byRow(from, to);
        int[] rowOf = pairs[0];
        int[] keyOf = pairs[1];
        float[][] dkAcc = new float[(to - from) * kvHeads][dim];
        float[][] dvAcc = new float[(to - from) * kvHeads][dim];
        int most = (to - from) * heads;
        float[] p = new float[most];
        float[] shift = new float[most];
        float[] scratch = new float[most];
        int i = 0;
        while (i < rowOf.length) {
            int t = rowOf[i];
            int end = i;
            while (end < rowOf.length && rowOf[end] == t) {
                end++;
            }
            // The row's probabilities of its keys in the item, all heads, then its shares.
            int n = 0;
            for (int j = i; j < end; j++) {
                for (int h = 0; h < heads; h++) {
                    p[n] = dot(qRows[t * heads + h], kRows[kvRow(sizes, keyOf[j], h)]) * scale;
                    shift[n++] = lse[t * heads + h];
                }
            }
            VectorExp.exp(p, 0, n, shift, scratch);
            n = 0;
            for (int j = i; j < end; j++) {
                int s = keyOf[j];
                for (int h = 0; h < heads; h++) {
                    int row = t * heads + h;
                    int kv = kvRow(sizes, s, h);
                    float ds = p[n] * (dot(doutRows[row], vRows[kv]) - delta[row]);
                    int acc = (s - from) * kvHeads + h / group;
                    axpy(p[n++], doutRows[row], dvAcc[acc]);
                    axpy(ds, qRows[row], dkAcc[acc]);
                }
            }
            i = end;
        }
        for (int a = 0; a < dkAcc.length; a++) {
            int at = (from * kvHeads + a) * dim;
            for (int d = 0; d < dim; d++) {
                dk[at + d] = dkAcc[a][d] * scale;
                dv[at + d] = dvAcc[a][d];
            }
        }
    }

    /**
     * The scaled scores of an item's rows over their selections, {@code [r][h][c]} for the c-th
     * selected key of row {@code from + r} and query head h, key by key: the one routine both
     * passes use, so that the backward's {@code exp(score - lse)} are the forward's
     * probabilities.
     */
    private static float[][][] logits(Sizes sizes, Choices choices, int from, float[][] qRows,
            float[][] kRows) {
        int heads = sizes.queryHeads();
        float scale = (float) (1 / Math.sqrt(sizes.dim()));
        float[][][] out = new float[choices.rows()][heads][sizes.topK()];
        for (int i = 0; i < choices.size(); i++) {
            int r = choices.row(i);
            int c = choices.slot(i);
            for (int h = 0; h < heads; h++) {
                out[r][h][c] = dot(qRows[(from + r) * heads + h],
                        kRows[kvRow(sizes, choices.key(i), h)]) * scale;
            }
        }
        return out;
    }

    /** The row of {@code [T, Hkv, D]} that query head h reads for key s. */
    private static int kvRow(Sizes sizes, int s, int h) {
        return s * sizes.kvHeads() + h / sizes.group();
    }

    /**
     * The selections of an item of rows as (row, slot) pairs ordered by key, and rows ascending
     * within a key. A row's selection ascends, so each row still meets its keys in its slots'
     * order, and what is computed for a row does not depend on which rows share its item.
     */
    private static final class Choices {
        private final int rows;
        private final int[] counts;
        private final int[] rowOf;
        private final int[] slotOf;
        private final int[] keyOf;

        Choices(Sizes sizes, int[] selected, int from, int rows) {
            int topK = sizes.topK();
            this.rows = rows;
            counts = new int[rows];
            int total = 0;
            for (int r = 0; r < rows; r++) {
                while (counts[r] < topK && selected[(from + r) * topK + counts[r]] >= 0) {
                    counts[r]++;
                }
                total += counts[r];
            }
            // A merge of the rows' ascending selections, by a counting sort on the key.
            int[] start = new int[sizes.keys() + 1];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < counts[r]; c++) {
                    start[selected[(from + r) * topK + c] + 1]++;
                }
            }
            for (int s = 0; s < sizes.keys(); s++) {
                start[s + 1] += start[s];
            }
            rowOf = new int[total];
            slotOf = new int[total];
            keyOf = new int[total];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < counts[r]; c++) {
                    int s = selected[(from + r) * topK + c];
                    int at = start[s]++;
                    rowOf[at] = r;
                    slotOf[at] = c;
                    keyOf[at] = s;
                }
            }
        }

        int rows() {
            return rows;
        }

        /** The number of keys row r selected. */
        int count(int r) {
            return counts[r];
        }

        int size() {
            return rowOf.length;
        }

        int row(int i) {
            return rowOf[i];
        }

        int slot(int i) {
            return slotOf[i];
        }

        int key(int i) {
            return keyOf[i];
        }
    }

    /**
     * For each key, the rows that selected it, ascending (the indexer loss's inverted index of
     * the selection), from which {@link #byRow} lists the (row, key) pairs of a range of keys row
     * by row.
     */
    private static final class KeyReaders {
        private final int[] start;
        private final int[] rows;
        private final int queries;

        KeyReaders(Sizes sizes, int[] selected) {
            IndexerKernel.Owners owners = IndexerKernel.Owners.ofSelection(sizes.keys(),
                    sizes.queries(), sizes.topK(), selected);
            start = owners.start();
            rows = owners.rows();
            queries = sizes.queries();
        }

        /**
         * The pairs of keys {@code [from, to)}, {row ids, key ids}, by row ascending and key
         * ascending within a row; so each key still meets its rows in ascending order.
         */
        int[][] byRow(int from, int to) {
            int[] count = new int[queries + 1];
            for (int i = start[from]; i < start[to]; i++) {
                count[rows[i] + 1]++;
            }
            for (int t = 0; t < queries; t++) {
                count[t + 1] += count[t];
            }
            int total = start[to] - start[from];
            int[] rowOf = new int[total];
            int[] keyOf = new int[total];
            for (int s = from; s < to; s++) {
                for (int i = start[s]; i < start[s + 1]; i++) {
                    int at = count[rows[i]]++;
                    rowOf[at] = rows[i];
                    keyOf[at] = s;
                }
            }
            return new int[][] {rowOf, keyOf};
        }
    }

    /**
     * {@code a . b} over their common length in eight interleaved chains of fused multiply-adds,
     * added pairwise at the end: a fixed order, and eight times the throughput of one chain,
     * which must wait for each add before the next.
     */
    static float dot(float[] a, float[] b) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float s4 = 0;
        float s5 = 0;
        float s6 = 0;
        float s7 = 0;
        int n = a.length;
        int d = 0;
        for (; d + 8 <= n; d += 8) {
            s0 = Math.fma(a[d], b[d], s0);
            s1 = Math.fma(a[d + 1], b[d + 1], s1);
            s2 = Math.fma(a[d + 2], b[d + 2], s2);
            s3 = Math.fma(a[d + 3], b[d + 3], s3);
            s4 = Math.fma(a[d + 4], b[d + 4], s4);
            s5 = Math.fma(a[d + 5], b[d + 5], s5);
            s6 = Math.fma(a[d + 6], b[d + 6], s6);
            s7 = Math.fma(a[d + 7], b[d + 7], s7);
        }
        for (; d < n; d++) {
            s0 = Math.fma(a[d], b[d], s0);
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** {@code y += a x}, along arrays indexed alike, the loop the JIT vectorises. */
    private static void axpy(float a, float[] x, float[] y) {
        for (int d = 0; d < y.length; d++) {
            y[d] = Math.fma(a, x[d], y[d]);
        }
    }

    /** {@code x[0 .. n)} summed in double, in order. */
    private static double sum(float[] x, int n) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += x[i];
        }
        return total;
    }

    /** Row-major {@code [N, width]} as one array per row. */
    private static float[][] rows(float[] x, int width) {
        float[][] rows = new float[x.length / width][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Arrays.copyOfRange(x, i * width, (i + 1) * width);
        }
        return rows;
    }

    private static int items(int rows) {
        return (rows + ROWS - 1) / ROWS;
    }

    private static void requireInputs(Sizes sizes, float[] q, float[] k, float[] v,
            int[] selected) {
        int queries = sizes.queries() * sizes.queryHeads() * sizes.dim();
        int keys = sizes.keys() * sizes.kvHeads() * sizes.dim();
        if (q.length != queries || k.length != keys || v.length != keys
                || selected.length != sizes.queries() * sizes.topK()) {
            throw new IllegalArgumentException("dsa kernel: expected " + queries + " query, "
                    + keys + " key and value values and " + sizes.queries() * sizes.topK()
                    + " selected ids for " + sizes + "; found " + q.length + ", " + k.length
                    + ", " + v.length + " and " + selected.length);
        }
    }
}
