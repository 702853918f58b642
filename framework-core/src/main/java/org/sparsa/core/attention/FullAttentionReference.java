package org.sparsa.core.attention;


/**
 * Full attention written to be checked by eye against its definition, in float64 throughout:
 * the yardstick for {@link FlashAttention} and for gradient checks, not a path for real sizes.
 *
 * <p>Tensors are row-major {@code double[]} (widen float32 tensors first; widening is exact) so
 * that finite-difference checks can run the same code in full precision. Time is
 * {@code O(T^2 * Hq * D)}; memory beyond inputs and outputs is one row of {@code T}
 * probabilities, never a {@code T x T} matrix.
 */
public final class FullAttentionReference {

    private FullAttentionReference() {
    }

    /**
     * The gradients of {@code sum(o * dout)}, each shaped like its input.
     *
     * @param dq {@code [T, Hq, D]}
     * @param dk {@code [T, Hkv, D]}
     * @param dv {@code [T, Hkv, D]}
     */
    public record Gradients(double[] dq, double[] dk, double[] dv) {
    }

    /**
     * {@code o[t,h,:] = sum_s p[t,h,s] v[s,g,:]} with {@code p} the softmax over the visible keys
     * of {@code q[t,h] . k[s,g] / sqrt(D)} and {@code g} the kv head of {@code h}.
     *
     * @return o, {@code [T, Hq, D]}
     * @throws IllegalArgumentException when an array's length does not fit {@code spec}
     */
    public static double[] forward(FullAttentionSpec spec, double[] q, double[] k, double[] v) {
        spec.requireInputs(q.length, k.length, v.length);
        int length = spec.length();
        int dim = spec.headDim();
        double[] o = new double[spec.querySize()];
        double[] p = new double[length];
        for (int t = 0; t < length; t++) {
            for (int h = 0; h < spec.queryHeads(); h++) {
                int g = spec.kvHeadOf(h);
                int first = spec.firstVisibleKey(t);
                probabilities(spec, q, k, t, h, p);
                int out = row(spec, t, h, spec.queryHeads());
                for (int s = first; s <= t; s++) {
                    int kv = row(spec, s, g, spec.kvHeads());
                    for (int d = 0; d < dim; d++) {
                        o[out + d] += p[s] * v[kv + d];
                    }
                }
            }
        }
        return o;
    }

    /**
     * The gradients of {@code sum(o * dout)} with respect to q, k and v, by the softmax backward
     * rule: {@code dp = dout . v}, {@code ds = p * (dp - sum(p * dp))}, {@code dq = scale * ds k},
     * {@code dk = scale * ds^T q}, {@code dv = p^T dout}. Probabilities are recomputed per row
     * rather than taken from the forward.
     *
     * @param dout the upstream gradient, {@code [T, Hq, D]}
     * @throws IllegalArgumentException when an array's length does not fit {@code spec}
     */
    public static Gradients backward(FullAttentionSpec spec, double[] q, double[] k, double[] v,
            double[] dout) {
        spec.requireInputs(q.length, k.length, v.length);
        spec.requireQueryShaped("dout", dout.length);
        int length = spec.length();
        int dim = spec.headDim();
        double scale = spec.scale();
        double[] dq = new double[spec.querySize()];
        double[] dk = new double[spec.kvSize()];
        double[] dv = new double[spec.kvSize()];
        double[] p = new double[length];
        double[] dp = new double[length];
        for (int t = 0; t < length; t++) {
            for (int h = 0; h < spec.queryHeads(); h++) {
                int g = spec.kvHeadOf(h);
                int first = spec.firstVisibleKey(t);
                int qRow = row(spec, t, h, spec.queryHeads());
                probabilities(spec, q, k, t, h, p);
                double expected = 0;
                for (int s = first; s <= t; s++) {
                    dp[s] = dot(dout, qRow, v, row(spec, s, g, spec.kvHeads()), dim);
                    expected += p[s] * dp[s];
                }
                for (int s = first; s <= t; s++) {
                    int kv = row(spec, s, g, spec.kvHeads());
                    double ds = p[s] * (dp[s] - expected);
                    for (int d = 0; d < dim; d++) {
                        dq[qRow + d] += scale * ds * k[kv + d];
                        dk[kv + d] += scale * ds * q[qRow + d];
                        dv[kv + d] += p[s] * dout[qRow + d];
                    }
                }
            }
        }
        return new Gradients(dq, dk, dv);
    }

    /** Fills {@code p[first..t]} with the softmax of query (t, h) over its visible keys. */
    private static void probabilities(FullAttentionSpec spec, double[] q, double[] k, int t,
            int h, double[] p) {
        int g = spec.kvHeadOf(h);
        int first = spec.firstVisibleKey(t);
        int qRow = row(spec, t, h, spec.queryHeads());
        double max = Double.NEGATIVE_INFINITY;
        for (int s = first; s <= t; s++) {
            p[s] = spec.scale() * dot(q, qRow, k, row(spec, s, g, spec.kvHeads()), spec.headDim());
            max = Math.max(max, p[s]);
        }
        // Subtracting the maximum keeps exp from overflowing; the softmax is unchanged.
        double sum = 0;
        for (int s = first; s <= t; s++) {
            p[s] = Math.exp(p[s] - max);
            sum += p[s];
        }
        for (int s = first; s <= t; s++) {
            p[s] /= sum;
        }
    }

    private static double dot(double[] a, int aOffset, double[] b, int bOffset, int dim) {
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            sum += a[aOffset + d] * b[bOffset + d];
        }
        return sum;
    }

    /** The offset of {@code x[t, head, 0]} in a {@code [T, heads, D]} tensor. */
    private static int row(FullAttentionSpec spec, int t, int head, int heads) {
        return (t * heads + head) * spec.headDim();
    }

}
