package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;

/**
 * Native Sparse Attention written to be read against the NSA section of the project's attention
 * spec, step by step and named as there: the yardstick for faster paths and the op behind the
 * {@code attention.nsa} golden cases, not a path for real lengths.
 *
 * <p>The window branch may read keys and values of its own, kWin and vWin, where a layer gives
 * it its own projections ({@code independent_kv}); otherwise every branch reads k and v. The
 * selected branch reads the keys the compression is made from: a layer whose selected branch
 * projects keys of its own compresses elsewhere and calls the kernel directly.
 *
 * <p>Every differentiable step is an op of {@link Ops}, so the gradients of q, k, v, the gates,
 * W_k, W_v, pe_k and pe_v come from autograd and the same code runs on every backend. The
 * selected and window branches are softmax attention over all keys with a mask, which costs
 * {@code O(T^2)} time and memory. The choice of blocks (steps 3 and 4) is read from values and
 * made in plain Java: the spec lets no gradient through it.
 */
public final class NsaReference {
    /**
     * Written over hidden scores before the softmax. Finite, unlike {@code -inf}, so a row with
     * no visible key gives a harmless uniform row that {@link #attend} then zeroes, not NaN.
     */
    private static final float HIDDEN = -1e30f;

    private NsaReference() {
    }

    /**
     * What the op gives.
     *
     * @param o the output {@code [T, Hq, D]}, in the graph of the inputs
     * @param selected the selected block ids {@code [T, Hkv, n]} row-major, each row sorted
     *     ascending and padded with {@code -1}
     */
    public record Result(Variable o, int[] selected) {
    }

    /**
     * NSA over a whole sequence, causal, every branch reading k and v.
     *
     * @param q queries {@code [T, Hq, D]}
     * @param k keys {@code [T, Hkv, D]}, with Hkv dividing Hq
     * @param v values {@code [T, Hkv, D]}
     * @param gates branch gates {@code [T, Hq, 3]} in [0, 1], in the order cmp, slc, win
     * @param wk key compression weights {@code [Hkv, l*D, D]}
     * @param wv value compression weights {@code [Hkv, l*D, D]}
     * @param pek intra-block position embedding of the keys {@code [Hkv, l, D]}
     * @param pev intra-block position embedding of the values {@code [Hkv, l, D]}
     * @throws IllegalArgumentException when the shapes do not fit together or with the params
     */
    public static Result forward(Variable q, Variable k, Variable v, Variable gates,
            Variable wk, Variable wv, Variable pek, Variable pev, NsaParams params) {
        return forward(q, k, v, k, v, gates, wk, wv, pek, pev, params);
    }

    /**
     * NSA over a whole sequence, causal, the window branch reading its own keys and values.
     *
     * @param k keys {@code [T, Hkv, D]} of the compression and the selected branch
     * @param v values {@code [T, Hkv, D]} of the compression and the selected branch
     * @param kWin keys {@code [T, Hkv, D]} of the window branch
     * @param vWin values {@code [T, Hkv, D]} of the window branch
     * @throws IllegalArgumentException when the shapes do not fit together or with the params
     * @see #forward(Variable, Variable, Variable, Variable, Variable, Variable, Variable,
     *     Variable, NsaParams) the other parameters
     */
    public static Result forward(Variable q, Variable k, Variable v, Variable kWin,
            Variable vWin, Variable gates, Variable wk, Variable wv, Variable pek, Variable pev,
            NsaParams params) {
        Ops ops = q.ops();
        Shapes shape = Shapes.of(q, k, v, gates, wk, wv, pek, pev, params);
        Shapes.requireLike(k, kWin, "kWin");
        Shapes.requireLike(k, vWin, "vWin");
        int length = shape.length;
        int kvHeads = shape.kvHeads;
        int dim = shape.dim;
        double scale = 1 / Math.sqrt(dim);

        // Query head h reads kv head h / G: group the queries by the kv head they read,
        // [Hkv, G, T, D], and lay keys and values out per kv head, [Hkv, 1, T, D].
        Variable queries = ops.permute(ops.reshape(q, length, kvHeads, shape.group, dim),
                1, 2, 0, 3);
        Variable keys = ops.reshape(ops.permute(k, 1, 0, 2), kvHeads, 1, length, dim);
        Variable values = ops.reshape(ops.permute(v, 1, 0, 2), kvHeads, 1, length, dim);

        // 1. Compression.
        int compressed = params.compressedTokens(length);
        Variable compressedKeys = compressed == 0 ? null
                : compress(ops, keys, wk, pek, params, compressed);
        Variable compressedValues = compressed == 0 ? null
                : compress(ops, values, wv, pev, params, compressed);

        // 2. Compressed branch.
        Variable outCmp = null;
        float[] pCmp = new float[0];
        if (compressed > 0) {
            Variable scores = ops.scale(ops.matmul(queries,
                    ops.transpose(compressedKeys, 2, 3)), scale);
            Variable probabilities = attend(ops, scores, compressedHidden(params, length,
                    compressed), length, compressed);
            outCmp = ops.matmul(probabilities, compressedValues);
            pCmp = probabilities.value().toArray();
        }

        // 3. Selection scores.
        int blocks = params.selectionBlocks(length);
        double[] scores = selectionScores(pCmp, shape, params, compressed, blocks);

        // 4. Selection.
        int[] selected = select(scores, shape, params, blocks);

        // 5. Selected branch.
        Variable tokenScores = ops.scale(ops.matmul(queries, ops.transpose(keys, 2, 3)), scale);
        Variable outSlc = ops.matmul(attend(ops, tokenScores,
                selectedHidden(selected, shape, params), length, length), values);

        // 6. Window branch, over its own keys and values: one set of token scores with step 5,
        // under another mask, where the branches share them.
        Variable windowKeys = kWin == k ? keys
                : ops.reshape(ops.permute(kWin, 1, 0, 2), kvHeads, 1, length, dim);
        Variable windowValues = vWin == v ? values
                : ops.reshape(ops.permute(vWin, 1, 0, 2), kvHeads, 1, length, dim);
        Variable windowScores = windowKeys == keys ? tokenScores
                : ops.scale(ops.matmul(queries, ops.transpose(windowKeys, 2, 3)), scale);
        Variable outWin = ops.matmul(attend(ops, windowScores,
                windowHidden(length, params.window()), length, length), windowValues);

        // 7. Output: each branch gated per query and head, no softmax across branches.
        Variable o = ops.add(gated(ops, gates, 1, outSlc, shape),
                gated(ops, gates, 2, outWin, shape));
        if (outCmp != null) {
            o = ops.add(gated(ops, gates, 0, outCmp, shape), o);
        }
        return new Result(o, selected);
    }

    /**
     * Step 1: compressed token {@code i} of every kv head is
     * {@code concat_r (x[i*d + r] + pe[r]) @ W}, {@code r = 0..l-1}.
     *
     * @param x keys or values {@code [Hkv, 1, T, D]}
     * @return {@code [Hkv, 1, Nc, D]}
     */
    static Variable compress(Ops ops, Variable x, Variable weights, Variable position,
            NsaParams params, int compressed) {
        int blockLen = params.blockLen();
        int[] tokens = new int[compressed * blockLen];
        for (int i = 0; i < compressed; i++) {
            for (int r = 0; r < blockLen; r++) {
                tokens[i * blockLen + r] = i * params.stride() + r;
            }
        }
        int[] shape = x.shape();
        int kvHeads = shape[0];
        int dim = shape[3];
        // [Hkv, 1, Nc, l, D]: the l keys of each compressed token, then its position embedding.
        Variable windows = ops.indexSelect(x, 2, IntTensor.of(tokens, compressed, blockLen));
        Variable placed = ops.add(windows, ops.reshape(position, kvHeads, 1, 1, blockLen, dim));
        Variable flat = ops.reshape(placed, kvHeads, 1, compressed, blockLen * dim);
        return ops.matmul(flat, ops.reshape(weights, kvHeads, 1, blockLen * dim, dim));
    }

    /** Step 2's visibility: compressed token i is hidden from t until its block has ended. */
    private static Hidden compressedHidden(NsaParams params, int length, int compressed) {
        int[] hidden = new int[length * compressed];
        for (int t = 0; t < length; t++) {
            for (int i = 0; i < compressed; i++) {
                boolean visible = i * params.stride() + params.blockLen() - 1 <= t;
                hidden[t * compressed + i] = visible ? 0 : 1;
            }
        }
        return new Hidden(hidden, new int[] {length, compressed});
    }

    /**
     * Step 3: {@code s[t,g,j] = sum_{h in g} sum_i p_cmp[t,h,i] * overlap(i, j) / d}, the overlap
     * counted in keys between compressed token i and selection block j (see
     * {@link BlockSelection#addScores}).
     *
     * @param pCmp compressed probabilities {@code [Hkv, G, T, Nc]}
     * @return {@code [T, Hkv, blocks]}
     */
    private static double[] selectionScores(float[] pCmp, Shapes shape, NsaParams params,
            int compressed, int blocks) {
        int length = shape.length;
        double[] scores = new double[length * shape.kvHeads * blocks];
        double[] row = new double[blocks];
        for (int t = 0; t < length; t++) {
            for (int g = 0; g < shape.kvHeads; g++) {
                Arrays.fill(row, 0);
                for (int h = 0; h < shape.group; h++) {
                    BlockSelection.addScores(pCmp, ((g * shape.group + h) * length + t)
                            * compressed, compressed, params, row);
                }
                System.arraycopy(row, 0, scores, (t * shape.kvHeads + g) * blocks, blocks);
            }
        }
        return scores;
    }

    /**
     * Step 4: the forced blocks, then the best-scoring other selectable blocks (ties to the lower
     * id) up to n, sorted ascending and padded with -1 (see {@link BlockSelection#choose}).
     *
     * @return {@code [T, Hkv, n]}
     */
    private static int[] select(double[] scores, Shapes shape, NsaParams params, int blocks) {
        int count = params.selectCount();
        int[] selected = new int[shape.length * shape.kvHeads * count];
        double[] row = new double[blocks];
        boolean[] chosen = new boolean[blocks];
        int[] best = new int[count];
        for (int t = 0; t < shape.length; t++) {
            for (int g = 0; g < shape.kvHeads; g++) {
                System.arraycopy(scores, (t * shape.kvHeads + g) * blocks, row, 0, blocks);
                BlockSelection.choose(row, t, params, chosen, best, selected,
                        (t * shape.kvHeads + g) * count);
            }
        }
        return selected;
    }

    /** Step 5's visibility: key s is seen by t iff s <= t and its block was selected for t. */
    private static Hidden selectedHidden(int[] selected, Shapes shape, NsaParams params) {
        int length = shape.length;
        int count = params.selectCount();
        int[] hidden = new int[shape.kvHeads * length * length];
        Arrays.fill(hidden, 1);
        for (int g = 0; g < shape.kvHeads; g++) {
            for (int t = 0; t < length; t++) {
                int row = (t * shape.kvHeads + g) * count;
                for (int c = 0; c < count; c++) {
                    int block = selected[row + c];
                    if (block < 0) {
                        continue;
                    }
                    int last = Math.min((block + 1) * params.selectBlock() - 1, t);
                    for (int s = block * params.selectBlock(); s <= last; s++) {
                        hidden[(g * length + t) * length + s] = 0;
                    }
                }
            }
        }
        return new Hidden(hidden, new int[] {shape.kvHeads, 1, length, length});
    }

    /** Step 6's visibility: keys {@code t - w < s <= t}. */
    private static Hidden windowHidden(int length, int window) {
        int[] hidden = new int[length * length];
        for (int t = 0; t < length; t++) {
            for (int s = 0; s < length; s++) {
                hidden[t * length + s] = s <= t && s > t - window ? 0 : 1;
            }
        }
        return new Hidden(hidden, new int[] {length, length});
    }

    /**
     * The softmax of {@code scores [..., rows, cols]} over the keys {@code hidden} leaves
     * visible. A row that sees no key is an attention over the empty set: the spec makes it
     * zero, so it is multiplied by 0, which also stops any gradient through it.
     */
    private static Variable attend(Ops ops, Variable scores, Hidden hidden, int rows, int cols) {
        Variable p = ops.softmax(ops.maskedFill(scores, IntTensor.of(hidden.mask, hidden.shape),
                HIDDEN), -1);
        int[] keepShape = hidden.shape.clone();
        keepShape[keepShape.length - 1] = 1;
        float[] keep = new float[hidden.mask.length / cols];
        boolean anyEmpty = false;
        for (int r = 0; r < keep.length; r++) {
            for (int c = 0; c < cols && keep[r] == 0; c++) {
                keep[r] = hidden.mask[r * cols + c] == 0 ? 1 : 0;
            }
            anyEmpty |= keep[r] == 0;
        }
        return anyEmpty ? ops.mul(p, ops.constant(keep, keepShape)) : p;
    }

    /** {@code gates[:, :, branch] * out}, with {@code out [Hkv, G, T, D]} laid out as q. */
    private static Variable gated(Ops ops, Variable gates, int branch, Variable out,
            Shapes shape) {
        Variable perQuery = ops.reshape(ops.permute(out, 2, 0, 1, 3), shape.length,
                shape.queryHeads, shape.dim);
        return ops.mul(ops.slice(gates, 2, branch, branch + 1), perQuery);
    }

    /** A mask of hidden entries (non-zero) and its shape, broadcast against the scores. */
    private record Hidden(int[] mask, int[] shape) {
    }

    /** The sizes the inputs agree on, checked once. */
    record Shapes(int length, int queryHeads, int kvHeads, int group, int dim) {

        static Shapes of(Variable q, Variable k, Variable v, Variable gates, Variable wk,
                Variable wv, Variable pek, Variable pev, NsaParams params) {
            int[] qs = q.shape();
            require(qs.length == 3, "q must be [T, Hq, D]", q);
            int length = qs[0];
            int queryHeads = qs[1];
            int dim = qs[2];
            int[] ks = k.shape();
            require(ks.length == 3 && ks[0] == length && ks[2] == dim && ks[1] > 0
                    && queryHeads % ks[1] == 0, "k must be [T, Hkv, D] with Hkv dividing Hq", k);
            int kvHeads = ks[1];
            require(Arrays.equals(v.shape(), ks), "v must have the shape of k", v);
            require(Arrays.equals(gates.shape(), new int[] {length, queryHeads, 3}),
                    "gates must be [T, Hq, 3]", gates);
            int[] weights = {kvHeads, params.blockLen() * dim, dim};
            require(Arrays.equals(wk.shape(), weights), "wk must be [Hkv, l*D, D]", wk);
            require(Arrays.equals(wv.shape(), weights), "wv must be [Hkv, l*D, D]", wv);
            int[] position = {kvHeads, params.blockLen(), dim};
            require(Arrays.equals(pek.shape(), position), "pek must be [Hkv, l, D]", pek);
            require(Arrays.equals(pev.shape(), position), "pev must be [Hkv, l, D]", pev);
            return new Shapes(length, queryHeads, kvHeads, queryHeads / kvHeads, dim);
        }

        /**
         * Checks that {@code other} has the shape of the keys {@code k}.
         *
         * @throws IllegalArgumentException naming {@code name} when it does not
         */
        static void requireLike(Variable k, Variable other, String name) {
            require(Arrays.equals(other.shape(), k.shape()), name + " must have the shape of k "
                    + Arrays.toString(k.shape()), other);
        }

        private static void require(boolean ok, String what, Variable found) {
            if (!ok) {
                throw new IllegalArgumentException("nsa: " + what + ", found "
                        + Arrays.toString(found.shape()));
            }
        }
    }
}
