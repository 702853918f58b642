package org.sparsa.dsa.internal;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * DSA's hot loops in plain Java over row-major float arrays, one sequence at a time, never
 * holding a {@code T x T} matrix: the indexer's selection streams over the keys of a row keeping
 * a running top-k, and the sparse attention touches only the selected keys. Checked against
 * {@link DsaReference}.
 *
 * <p>Rows run in parallel. The backward gathers the key and value gradients by owner: each key
 * sums over the rows that selected it, found through an inverted index built in row order, so no
 * two threads add into one value and results are bit-identical run to run and for any number
 * of threads.
 *
 * <p>Public, in a package the bundle keeps private, so that the benchmarks can time it.
 */
public final class DsaKernel {

    /** Rows that share a tile of keys in the selection. */
    private static final int SELECT_ROWS = 8;
    /** Keys a selection tile holds: 128 keys of dI = 128 floats are 64 KiB. */
    private static final int SELECT_KEYS = 128;

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
     * selected keys.
     *
     * @param selected {@code [T, topK]} as {@link #select} gives
     */
    public static Forward forward(Sizes sizes, float[] q, float[] k, float[] v, int[] selected) {
        requireInputs(sizes, q, k, v, selected);
        int heads = sizes.queryHeads();
        int dim = sizes.dim();
        int topK = sizes.topK();
        float scale = (float) (1 / Math.sqrt(dim));
        float[] o = new float[q.length];
        float[] lse = new float[sizes.queries() * heads];
        int kvHeads = sizes.kvHeads();
        int group = sizes.group();
        IntStream.range(0, sizes.queries()).parallel().forEach(t -> {
            int count = 0;
            while (count < topK && selected[t * topK + count] >= 0) {
                count++;
            }
            // Keys outer, heads inner: a gathered key or value row is read from memory once
            // for all the heads sharing it (every head under MQA), not once per head.
            double[] weights = new double[heads * count];
            float[] max = new float[heads];
            Arrays.fill(max, Float.NEGATIVE_INFINITY);
            for (int c = 0; c < count; c++) {
                int id = selected[t * topK + c];
                for (int h = 0; h < heads; h++) {
                    int row = (t * heads + h) * dim;
                    int key = (id * kvHeads + h / group) * dim;
                    float dot = 0;
                    for (int d = 0; d < dim; d++) {
                        dot += q[row + d] * k[key + d];
                    }
                    float logit = dot * scale;
                    weights[h * count + c] = logit;
                    max[h] = Math.max(max[h], logit);
                }
            }
            double[] total = new double[heads];
            for (int h = 0; h < heads; h++) {
                for (int c = 0; c < count; c++) {
                    double e = Math.exp(weights[h * count + c] - max[h]);
                    weights[h * count + c] = e;
                    total[h] += e;
                }
                lse[t * heads + h] = (float) (max[h] + Math.log(total[h]));
            }
            for (int c = 0; c < count; c++) {
                int id = selected[t * topK + c];
                for (int h = 0; h < heads; h++) {
                    float p = (float) (weights[h * count + c] / total[h]);
                    int row = (t * heads + h) * dim;
                    int value = (id * kvHeads + h / group) * dim;
                    for (int d = 0; d < dim; d++) {
                        o[row + d] += p * v[value + d];
                    }
                }
            }
        });
        return new Forward(o, lse);
    }

    /**
     * The backward of {@link #forward}: probabilities recomputed from the saved log-sum-exp;
     * dq per row, dk and dv per key over the rows that selected it.
     *
     * @param dout the gradient of o, {@code [T, Hq, D]}
     */
    public static Gradients backward(Sizes sizes, float[] q, float[] k, float[] v, int[] selected,
            Forward forward, float[] dout) {
        requireInputs(sizes, q, k, v, selected);
        int queries = sizes.queries();
        int keys = sizes.keys();
        int heads = sizes.queryHeads();
        int kvHeads = sizes.kvHeads();
        int dim = sizes.dim();
        int topK = sizes.topK();
        float scale = (float) (1 / Math.sqrt(dim));
        // delta[t,h] = dout[t,h] . o[t,h], the softmax backward's row term.
        float[] delta = new float[queries * heads];
        for (int r = 0; r < delta.length; r++) {
            float sum = 0;
            for (int d = 0; d < dim; d++) {
                sum += dout[r * dim + d] * forward.o()[r * dim + d];
            }
            delta[r] = sum;
        }
        float[] dq = new float[q.length];
        IntStream.range(0, queries).parallel().forEach(t -> {
            // Keys outer, heads inner, as in the forward; each head's dq still sums its keys
            // in selection order.
            for (int c = 0; c < topK && selected[t * topK + c] >= 0; c++) {
                for (int h = 0; h < heads; h++) {
                    int row = (t * heads + h) * dim;
                    int key = (selected[t * topK + c] * kvHeads + h / sizes.group()) * dim;
                    float ds = scoreGradient(q, k, v, dout, forward.lse(), delta, row, key,
                            t * heads + h, dim, scale);
                    for (int d = 0; d < dim; d++) {
                        dq[row + d] += ds * scale * k[key + d];
                    }
                }
            }
        });
        // The inverted index: the rows that selected each key, in row order (CSR layout).
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
        float[] dk = new float[k.length];
        float[] dv = new float[v.length];
        IntStream.range(0, keys).parallel().forEach(s -> {
            for (int g = 0; g < kvHeads; g++) {
                int key = (s * kvHeads + g) * dim;
                for (int i = start[s]; i < start[s + 1]; i++) {
                    int t = rows[i];
                    for (int h = g * sizes.group(); h < (g + 1) * sizes.group(); h++) {
                        int row = (t * heads + h) * dim;
                        float p = probability(q, k, forward.lse(), row, key, t * heads + h, dim,
                                scale);
                        float dp = 0;
                        for (int d = 0; d < dim; d++) {
                            dp += dout[row + d] * v[key + d];
                        }
                        // p * (dout . v - delta), as scoreGradient, without a second exp.
                        float ds = p * (dp - delta[t * heads + h]);
                        for (int d = 0; d < dim; d++) {
                            dv[key + d] += p * dout[row + d];
                            dk[key + d] += ds * scale * q[row + d];
                        }
                    }
                }
            }
        });
        return new Gradients(dq, dk, dv);
    }

    /** {@code p = exp(q . k * scale - lse)} of one query head and key. */
    private static float probability(float[] q, float[] k, float[] lse, int row, int key,
            int head, int dim, float scale) {
        float dot = 0;
        for (int d = 0; d < dim; d++) {
            dot += q[row + d] * k[key + d];
        }
        return (float) Math.exp(dot * scale - lse[head]);
    }

    /** {@code p * (dout . v - delta)}: the gradient of one scaled score. */
    private static float scoreGradient(float[] q, float[] k, float[] v, float[] dout,
            float[] lse, float[] delta, int row, int key, int head, int dim, float scale) {
        float dp = 0;
        for (int d = 0; d < dim; d++) {
            dp += dout[row + d] * v[key + d];
        }
        return probability(q, k, lse, row, key, head, dim, scale) * (dp - delta[head]);
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
