package org.sparsa.dsa.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;

/**
 * DeepSeek Sparse Attention written to be read against the DSA section of the project's
 * attention spec, step by step and named as there: the yardstick for faster paths, the op behind
 * the {@code attention.dsa}, {@code dsa.kl_dense} and {@code dsa.kl_sparse} golden cases. The
 * {@code dsa} layer computes the same through the fused kernels and is tested against it.
 *
 * <p>Every differentiable step is an op of {@link Ops}, so gradients come from autograd and the
 * same code runs on every backend. Scores and attention are materialised per query and key, which
 * costs {@code O(T^2)} time and memory. The choice of keys (step 1) is read from values and made
 * in plain Java ({@link TopKSelection}): the spec lets no gradient through it.
 *
 * <p>Queries may start past the first key: query row {@code t} is at position {@code first + t}
 * and sees keys {@code s <= first + t}. A whole sequence has {@code first = 0}; a decode step
 * has the cached positions before its own.
 */
public final class DsaReference {
    /**
     * Written over hidden scores before a softmax. Finite, unlike {@code -inf}, so that the
     * logarithm of a hidden probability stays finite and {@code 0 * log q} is 0, not NaN.
     */
    private static final float HIDDEN = -1e30f;

    private DsaReference() {
    }

    /**
     * What the attention op gives.
     *
     * @param scores the index scores {@code I [Tq, Tk]}, {@code -inf} where the key is hidden
     * @param topk the selected keys {@code [Tq, top_k]} row-major, sorted ascending and padded
     *     with {@code -1}
     * @param o the output {@code [Tq, Hq, D]}, in the graph of q, k and v
     */
    public record Result(Variable scores, int[] topk, Variable o) {
    }

    /** DSA over a whole sequence, causal: the queries start at position 0. */
    public static Result forward(Variable q, Variable k, Variable v, Variable qi, Variable ki,
            Variable w, int topK) {
        return forward(q, k, v, qi, ki, w, topK, 0);
    }

    /**
     * DSA for the queries at positions {@code first ..} over the keys from position 0.
     *
     * @param q queries {@code [Tq, Hq, D]}
     * @param k keys {@code [Tk, Hkv, D]}, with Hkv dividing Hq and {@code Tk = first + Tq}
     * @param v values {@code [Tk, Hkv, D]}
     * @param qi index queries {@code [Tq, HI, dI]}
     * @param ki index keys {@code [Tk, dI]}, one per key, shared by the index heads
     * @param w index head weights {@code [Tq, HI]}, every scale factor already folded in
     * @param topK keys each query attends to
     * @throws IllegalArgumentException when the shapes do not fit together
     */
    public static Result forward(Variable q, Variable k, Variable v, Variable qi, Variable ki,
            Variable w, int topK, int first) {
        Shapes.of(q, k, v, first);
        Variable scores = indexScores(qi, ki, w, first);
        int[] topk = select(scores, topK, first);
        return new Result(scores, topk, sparseAttention(q, k, v, topk, topK, first));
    }

    /**
     * The lightning indexer: {@code I[t,s] = sum_j w[t,j] * ReLU(qi[t,j] . ki[s])} for visible
     * keys, {@code -inf} for the others.
     *
     * @return {@code [Tq, Tk]}
     * @throws IllegalArgumentException when the shapes do not fit together
     */
    public static Variable indexScores(Variable qi, Variable ki, Variable w, int first) {
        Ops ops = qi.ops();
        int[] qs = qi.shape();
        int[] ks = ki.shape();
        if (qs.length != 3 || ks.length != 2 || ks[1] != qs[2]
                || !Arrays.equals(w.shape(), new int[] {qs[0], qs[1]})
                || ks[0] != first + qs[0]) {
            throw new IllegalArgumentException("dsa: expected qi [Tq, HI, dI], ki [Tk, dI] and "
                    + "w [Tq, HI] with Tk = " + first + " + Tq; found qi "
                    + Arrays.toString(qs) + ", ki " + Arrays.toString(ks) + ", w "
                    + Arrays.toString(w.shape()));
        }
        int queries = qs[0];
        int heads = qs[1];
        int keys = ks[0];
        // [Tq, HI, dI] x [dI, Tk]: one logit per query, index head and key.
        Variable logits = ops.matmul(qi, ops.transpose(ki, 0, 1));
        Variable weighted = ops.mul(ops.relu(logits), ops.reshape(w, queries, heads, 1));
        Variable scores = ops.sum(weighted, false, 1);
        return ops.maskedFill(scores, causalHidden(queries, keys, first),
                Float.NEGATIVE_INFINITY);
    }

    /**
     * Step 1, selection: per row the {@code min(top_k, t+1)} visible keys with the largest
     * score, ties to the lower index, sorted ascending, padded with {@code -1}.
     *
     * @param scores the index scores {@code [Tq, Tk]}
     * @return {@code [Tq, topK]} row-major
     */
    public static int[] select(Variable scores, int topK, int first) {
        if (topK < 1) {
            throw new IllegalArgumentException("dsa: top_k must be at least 1, found " + topK);
        }
        int[] shape = scores.shape();
        return TopKSelection.select(scores.value().toArray(), shape[0], shape[1], first, topK);
    }

    /**
     * Step 2, sparse attention: per query head, the softmax over the selected keys. Every query
     * selects at least itself, so no row is empty.
     *
     * @param selected {@code [Tq, topK]} as {@link #select} gives
     * @return {@code [Tq, Hq, D]}
     */
    public static Variable sparseAttention(Variable q, Variable k, Variable v, int[] selected,
            int topK, int first) {
        Shapes shape = Shapes.of(q, k, v, first);
        return attend(q, k, v, selectedHidden(selected, shape.queries, shape.keys, topK), shape);
    }

    /** Full causal attention, the dense path: every visible key. */
    public static Variable denseAttention(Variable q, Variable k, Variable v, int first) {
        Shapes shape = Shapes.of(q, k, v, first);
        return attend(q, k, v, causalHidden(shape.queries, shape.keys, first), shape);
    }

    /**
     * Step 3, the dense warm-up loss: {@code mean_t KL(p[t] || softmax(I[t, s<=t]))} with
     * {@code p[t]} the L1-normalised sum of the per-head attention distributions of detached q
     * and k.
     *
     * @param q queries {@code [Tq, Hq, D]}; detached here
     * @param k keys {@code [Tk, Hkv, D]}; detached here
     * @param scores the index scores {@code [Tq, Tk]}
     * @return the loss, {@code [1]}; its gradient reaches only the scores
     */
    public static Variable klDense(Variable q, Variable k, Variable scores, int first) {
        int[] shape = scores.shape();
        return kl(q, k, scores, causalHidden(shape[0], shape[1], first), first);
    }

    /**
     * Step 4, the sparse-stage loss: step 3 with both distributions restricted to the selected
     * keys {@code S_t} (per-head softmax over {@code S_t}, summed, L1-normalised; student
     * {@code softmax(I[t, S_t])}).
     *
     * @param selected {@code [Tq, topK]} as {@link #select} gives
     */
    public static Variable klSparse(Variable q, Variable k, Variable scores, int[] selected,
            int topK, int first) {
        int[] shape = scores.shape();
        return kl(q, k, scores, selectedHidden(selected, shape[0], shape[1], topK), first);
    }

    /**
     * How much of the dense attention the selection keeps: per query row and query head, the
     * causal softmax probability mass of the selected keys, averaged over rows and heads. 1 when
     * every visible key is selected; read from values, no graph.
     *
     * @param q queries {@code [Tq, Hq, D]}
     * @param k keys {@code [Tk, Hkv, D]}
     * @param selected {@code [Tq, topK]} as {@link #select} gives
     */
    public static double recall(Variable q, Variable k, int[] selected, int topK, int first) {
        Shapes shape = Shapes.of(q, k, k, first);
        float[] p = probabilities(q, k, causalHidden(shape.queries, shape.keys, first), shape)
                .value().toArray();
        int heads = shape.kvHeads * shape.group;
        double covered = 0;
        // p is [Hkv, G, Tq, Tk]: head h's rows are one block of Tq x Tk.
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < shape.queries; t++) {
                int row = (h * shape.queries + t) * shape.keys;
                for (int c = 0; c < topK; c++) {
                    int s = selected[t * topK + c];
                    if (s >= 0) {
                        covered += p[row + s];
                    }
                }
            }
        }
        return covered / ((double) heads * shape.queries);
    }

    /**
     * Step 5, FP8 (simulated): e4m3 with one scale per row and group of {@code group} entries,
     * rounded up to a power of two when {@code pow2Scale}. The gradient passes straight through.
     */
    public static Variable fp8(Variable x, int group, boolean pow2Scale) {
        return x.ops().fp8E4m3(x, group, pow2Scale);
    }

    /** {@code mean_t KL(p[t] || softmax(I[t]))} over the keys {@code hidden} leaves visible. */
    private static Variable kl(Variable q, Variable k, Variable scores, IntTensor hidden,
            int first) {
        Ops ops = scores.ops();
        Shapes shape = Shapes.of(q, k, k, first);
        if (!Arrays.equals(scores.shape(), new int[] {shape.queries, shape.keys})) {
            throw new IllegalArgumentException("dsa: scores must be [Tq, Tk] = [" + shape.queries
                    + ", " + shape.keys + "], found " + Arrays.toString(scores.shape()));
        }
        // The teacher: per-head softmaxes of the detached main attention, summed over heads.
        Variable perHead = probabilities(ops.detach(q), ops.detach(k), hidden, shape);
        Variable summed = ops.sum(perHead, false, 0, 1);
        Variable p = ops.div(summed, ops.sum(summed, true, 1));
        // p log p with 0 log 0 = 0: the log of an entry that is 0 is taken of 1 instead.
        float[] pValues = p.value().toArray();
        int[] zero = new int[pValues.length];
        for (int i = 0; i < zero.length; i++) {
            zero[i] = pValues[i] == 0 ? 1 : 0;
        }
        Variable logP = ops.log(ops.maskedFill(p, IntTensor.of(zero, shape.queries,
                shape.keys), 1));
        // The student: the softmax of the index scores over the same keys.
        Variable logQ = ops.logSoftmax(ops.maskedFill(scores, hidden, HIDDEN), -1);
        Variable perRow = ops.sum(ops.mul(p, ops.sub(logP, logQ)), false, 1);
        return ops.reshape(ops.mean(perRow, false), 1);
    }

    /** Softmax attention of every query head over the keys {@code hidden} leaves visible. */
    private static Variable attend(Variable q, Variable k, Variable v, IntTensor hidden,
            Shapes shape) {
        Ops ops = q.ops();
        Variable values = ops.reshape(ops.permute(v, 1, 0, 2), shape.kvHeads, 1, shape.keys,
                shape.dim);
        Variable o = ops.matmul(probabilities(q, k, hidden, shape), values);
        return ops.reshape(ops.permute(o, 2, 0, 1, 3), shape.queries, shape.queryHeads,
                shape.dim);
    }

    /**
     * {@code softmax_h(q[t,h] . k[s] / sqrt(D))} over the visible keys, query head h reading kv
     * head {@code h / G}: {@code [Hkv, G, Tq, Tk]}.
     */
    private static Variable probabilities(Variable q, Variable k, IntTensor hidden,
            Shapes shape) {
        Ops ops = q.ops();
        Variable queries = ops.permute(ops.reshape(q, shape.queries, shape.kvHeads, shape.group,
                shape.dim), 1, 2, 0, 3);
        Variable keys = ops.reshape(ops.permute(k, 1, 0, 2), shape.kvHeads, 1, shape.keys,
                shape.dim);
        Variable logits = ops.scale(ops.matmul(queries, ops.transpose(keys, 2, 3)),
                1 / Math.sqrt(shape.dim));
        return ops.softmax(ops.maskedFill(logits, hidden, HIDDEN), -1);
    }

    /** The keys a query cannot see: {@code s > first + t}. */
    private static IntTensor causalHidden(int queries, int keys, int first) {
        int[] hidden = new int[queries * keys];
        for (int t = 0; t < queries; t++) {
            for (int s = first + t + 1; s < keys; s++) {
                hidden[t * keys + s] = 1;
            }
        }
        return IntTensor.of(hidden, queries, keys);
    }

    /** Every key outside a query's selection; selections hold only visible keys. */
    private static IntTensor selectedHidden(int[] selected, int queries, int keys, int topK) {
        if (selected.length != queries * topK) {
            throw new IllegalArgumentException("dsa: expected " + queries + " x " + topK
                    + " selected ids, found " + selected.length);
        }
        int[] hidden = new int[queries * keys];
        Arrays.fill(hidden, 1);
        for (int t = 0; t < queries; t++) {
            for (int c = 0; c < topK; c++) {
                int s = selected[t * topK + c];
                if (s >= 0) {
                    hidden[t * keys + s] = 0;
                }
            }
        }
        return IntTensor.of(hidden, queries, keys);
    }

    /** The sizes q, k and v agree on, checked once. */
    private record Shapes(int queries, int keys, int queryHeads, int kvHeads, int group,
            int dim) {

        static Shapes of(Variable q, Variable k, Variable v, int first) {
            int[] qs = q.shape();
            int[] ks = k.shape();
            boolean fits = qs.length == 3 && ks.length == 3 && ks[2] == qs[2] && ks[1] > 0
                    && qs[1] % ks[1] == 0 && ks[0] == first + qs[0] && first >= 0
                    && Arrays.equals(v.shape(), ks);
            if (!fits) {
                throw new IllegalArgumentException("dsa: expected q [Tq, Hq, D] and k, v "
                        + "[Tk, Hkv, D] with Hkv dividing Hq and Tk = " + first + " + Tq; found q "
                        + Arrays.toString(qs) + ", k " + Arrays.toString(ks) + ", v "
                        + Arrays.toString(v.shape()));
            }
            return new Shapes(qs[0], ks[0], qs[1], ks[1], qs[1] / ks[1], qs[2]);
        }
    }
}
