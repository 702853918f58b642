package org.sparsa.core.attention;

import org.sparsa.core.compute.internal.MicroKernel;

/**
 * The matrix product's register-tiled micro-kernel for attention kernels in plugins: keys and
 * values packed once per call into strips, then the scores {@code K Qᵀ} and the output updates
 * {@code Vᵀ Pᵀ} of a set of query vectors as small matrix products whose 6 x 16 tile of results
 * stays in vector registers along the whole depth. {@link FlashAttention} runs on the same
 * kernel and packing.
 *
 * <p><b>Layouts.</b> Keys and values come as {@code [N, H, D]} row-major. Packed keys are, per
 * head, strips of {@link #KEYS_PER_STRIP} keys laid out dimension by dimension; packed values
 * per head strips of {@link #KEYS_PER_STRIP} dimensions laid out key by key. Query vectors are
 * strips of {@link #VECTORS_PER_STRIP}, {@code [i / 16][d][i % 16]}; probabilities strips of as
 * many vectors laid out key by key, {@code [i / 16][s - from][i % 16]}. Scores and output
 * accumulators are plain row-major blocks with a row stride the caller chooses (a multiple of
 * 16 covering its vectors): {@code scores[(s - from) * stride + i]}, {@code acc[d * stride + i]}.
 *
 * <p><b>Bits.</b> Every element is one chain of fused multiply-adds in ascending depth, started
 * from zero or from the value already there. A score is thus bit for bit
 * {@code fma(q[D-1], k[D-1], ... fma(q[0], k[0], 0))}, the plain loop's, and an output element
 * the plain loop's sum over the keys in ascending order; a zero probability leaves an
 * accumulator as it is, so vectors that do not see a key may share its product.
 */
public final class AttentionTiles {
    /** Keys per packed key strip, and dimensions per packed value strip. */
    public static final int KEYS_PER_STRIP = MicroKernel.ROWS;
    /** Query vectors per packed query or probability strip. */
    public static final int VECTORS_PER_STRIP = MicroKernel.COLUMNS;

    private AttentionTiles() {
    }

    /**
     * Keys {@code [N, H, D]} packed for {@link #scores}: {@code [h][s / 6][d][s % 6]}, keys past
     * N zero.
     */
    public static float[] packKeys(float[] k, int length, int heads, int dim) {
        int perHead = ceilDiv(length, KEYS_PER_STRIP);
        float[] out = new float[heads * perHead * dim * KEYS_PER_STRIP];
        int at = 0;
        // Written in order, strip by strip: each strip reads six key rows along D.
        for (int g = 0; g < heads; g++) {
            for (int s0 = 0; s0 < length; s0 += KEYS_PER_STRIP) {
                int keys = Math.min(KEYS_PER_STRIP, length - s0);
                for (int d = 0; d < dim; d++) {
                    for (int i = 0; i < keys; i++) {
                        out[at + i] = k[((s0 + i) * heads + g) * dim + d];
                    }
                    at += KEYS_PER_STRIP;
                }
            }
        }
        return out;
    }

    /**
     * Values {@code [N, H, D]} packed for {@link #accumulate}: {@code [h][d / 6][s][d % 6]},
     * dimensions past D zero.
     */
    public static float[] packValues(float[] v, int length, int heads, int dim) {
        int strips = ceilDiv(dim, KEYS_PER_STRIP);
        float[] out = new float[heads * strips * length * KEYS_PER_STRIP];
        int at = 0;
        // Written in order: per strip of six dimensions, each key's six values.
        for (int g = 0; g < heads; g++) {
            for (int d0 = 0; d0 < dim; d0 += KEYS_PER_STRIP) {
                int width = Math.min(KEYS_PER_STRIP, dim - d0);
                for (int s = 0; s < length; s++) {
                    System.arraycopy(v, (s * heads + g) * dim + d0, out, at, width);
                    at += KEYS_PER_STRIP;
                }
            }
        }
        return out;
    }

    /**
     * Puts vector i, {@code x[at .. at + D) * factor}, into query strips {@code [i / 16][d][i %
     * 16]}.
     */
    public static void packVector(float[] x, int at, float factor, int dim, float[] strips,
            int i) {
        int out = i / VECTORS_PER_STRIP * dim * VECTORS_PER_STRIP + i % VECTORS_PER_STRIP;
        for (int d = 0; d < dim; d++) {
            strips[out + d * VECTORS_PER_STRIP] = x[at + d] * factor;
        }
    }

    /**
     * {@code scores[(s - from) * stride + i] = key_s . query_i} for the keys of head h in
     * {@code [from, to)} and the vectors of query strips {@code [0, strips)}. Whole key strips are
     * computed, so rows up to the next multiple of six past {@code to} are written too.
     *
     * @param keys keys packed by {@link #packKeys} for {@code length} keys
     * @param from a multiple of {@link #KEYS_PER_STRIP}
     */
    public static void scores(float[] keys, int length, int h, int dim, int from, int to,
            float[] queries, int strips, float[] scores, int stride) {
        requireStripStart(from);
        int first = h * ceilDiv(length, KEYS_PER_STRIP) + from / KEYS_PER_STRIP;
        for (int ks = 0; ks < ceilDiv(to - from, KEYS_PER_STRIP); ks++) {
            for (int qs = 0; qs < strips; qs++) {
                MicroKernel.update(keys, (first + ks) * dim * KEYS_PER_STRIP, queries,
                        qs * dim * VECTORS_PER_STRIP, dim, scores,
                        ks * KEYS_PER_STRIP * stride + qs * VECTORS_PER_STRIP, stride, true);
            }
        }
    }

    /**
     * {@code acc[d * stride + i] += sum_s v_s[d] * p_s[i]} over the keys of head h in
     * {@code [from, to)} in ascending order, for the vectors of probability strips
     * {@code [0, strips)}, {@code p_s[i]} at {@code [i / 16][s - from][i % 16]}; rows of acc up
     * to the next multiple of six past D are written too.
     *
     * @param values values packed by {@link #packValues} for {@code length} keys
     * @param fromZero whether acc starts from zero instead of being read
     */
    public static void accumulate(float[] values, int length, int h, int dim, int from, int to,
            float[] probabilities, int strips, float[] acc, int stride, boolean fromZero) {
        int depth = to - from;
        int dimStrips = ceilDiv(dim, KEYS_PER_STRIP);
        for (int ds = 0; ds < dimStrips; ds++) {
            int valueAt = ((h * dimStrips + ds) * length + from) * KEYS_PER_STRIP;
            for (int qs = 0; qs < strips; qs++) {
                MicroKernel.update(values, valueAt, probabilities,
                        qs * depth * VECTORS_PER_STRIP, depth, acc,
                        ds * KEYS_PER_STRIP * stride + qs * VECTORS_PER_STRIP, stride,
                        fromZero);
            }
        }
    }

    /**
     * {@code c[i * stride + j] += sum_p a_i[p] b_j[p]} over {@code p} ascending, for the rows i
     * of {@code aStrips} strips of {@link #KEYS_PER_STRIP}, {@code [i / 6][p][i % 6]}, and the
     * columns j of {@code bStrips} strips of {@link #VECTORS_PER_STRIP},
     * {@code [j / 16][p][j % 16]}: the general product, for gradients whose depth runs over
     * query vectors.
     */
    public static void multiplyAdd(float[] a, int aStrips, float[] b, int bStrips, int depth,
            float[] c, int stride) {
        for (int rs = 0; rs < aStrips; rs++) {
            for (int cs = 0; cs < bStrips; cs++) {
                MicroKernel.update(a, rs * depth * KEYS_PER_STRIP, b,
                        cs * depth * VECTORS_PER_STRIP, depth, c,
                        rs * KEYS_PER_STRIP * stride + cs * VECTORS_PER_STRIP, stride, false);
            }
        }
    }

    /** {@code n} rounded up to a multiple of {@code multiple}. */
    public static int roundUp(int n, int multiple) {
        return ceilDiv(n, multiple) * multiple;
    }

    private static void requireStripStart(int from) {
        if (from % KEYS_PER_STRIP != 0) {
            throw new IllegalArgumentException("attention tiles: the first key must start a "
                    + "strip of " + KEYS_PER_STRIP + ", found " + from);
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
