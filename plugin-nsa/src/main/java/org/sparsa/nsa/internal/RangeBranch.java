package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.core.attention.AttentionTiles;
import org.sparsa.core.attention.VectorExp;

/**
 * The forward of a branch in which every query vector reads one contiguous key range, the
 * compressed and the window branch, for a tile of vectors at once on the register-tiled
 * micro-kernel ({@link AttentionTiles}).
 *
 * <p>Vector i reads keys {@code [lo[i], hi[i])}; both bounds never decrease with i, as they do
 * not along the rows of a sequence, so the vectors that see a key are one run
 * {@code [first, end)}. The scores of the union of the ranges are one product {@code K Qᵀ}; each
 * vector's softmax then runs over its own keys, its probability zero on the others, and the
 * output is one product {@code Vᵀ Pᵀ} over the union, in which those zeros leave its sums as
 * they are. A vector's results are thus those of its own range alone, whatever the other
 * vectors of the tile: the forward of a few rows gives the whole sequence's bits.
 *
 * <p>Since all of a branch's scores are at hand before its exponentials, the softmax needs no
 * running rescale: the maximum first, then {@code exp(score - max)} and the double sum, in
 * ascending key order.
 *
 * <p>The backward's query side ({@link #gradients}) works the same tiles: the scores and
 * {@code dout . v} of the union as two products, the probabilities {@code exp(score - lse)} and
 * score gradients of each vector's own keys, and dq as one product {@code Kᵀ dS}.
 */
final class RangeBranch {
    private static final int STRIP = AttentionTiles.VECTORS_PER_STRIP;
    private static final int KEYS = AttentionTiles.KEYS_PER_STRIP;

    private final int dim;
    /** The vectors' queries times {@code 1/sqrt(D)}, packed as strips. */
    final float[] queries;
    /**
     * The vectors' output gradients, packed as strips, for {@link #gradients}; null in a tile
     * made for the forward only, as are the other arrays only the backward uses.
     */
    final float[] douts;
    /** Each vector's log-sum-exp, gate and row term of the branch, for {@link #gradients}. */
    final float[] lse;
    final float[] gate;
    final float[] delta;
    /** Each vector's key range. */
    final int[] lo;
    final int[] hi;
    /** Scores {@code [s - keyFrom][i]} of the last {@link #run}, the union's keys. */
    final float[] scores;
    /** {@code dout . v} of the last {@link #gradients}, laid out as {@link #scores}. */
    private final float[] dots;
    private final float[] probabilities;
    private final float[] acc;
    private final float[] row;
    private final float[] gradientRow;
    private final float[] expScratch;
    private final float[] maxima;
    private final double[] totals;
    private int vectors;
    private int stride;
    private int keyFrom;

    /**
     * @param capacity the most vectors of a tile
     * @param keys the most keys of a union of ranges
     * @param backward whether {@link #gradients} will run, which needs arrays of its own
     */
    RangeBranch(int dim, int capacity, int keys, boolean backward) {
        this.dim = dim;
        int padded = AttentionTiles.roundUp(capacity, STRIP);
        int keyRows = AttentionTiles.roundUp(keys + KEYS, KEYS);
        queries = new float[padded * dim];
        douts = backward ? new float[padded * dim] : null;
        lse = backward ? new float[capacity] : null;
        gate = backward ? new float[capacity] : null;
        delta = backward ? new float[capacity] : null;
        lo = new int[capacity];
        hi = new int[capacity];
        scores = new float[keyRows * padded];
        dots = backward ? new float[keyRows * padded] : null;
        probabilities = new float[keyRows * padded];
        acc = new float[AttentionTiles.roundUp(dim, KEYS) * padded];
        row = new float[padded];
        gradientRow = backward ? new float[padded] : null;
        expScratch = new float[padded];
        maxima = new float[padded];
        totals = new double[padded];
    }

    /** Sets the number of vectors of the next {@link #run}, each packed and given its range. */
    void vectors(int count) {
        vectors = count;
        stride = AttentionTiles.roundUp(count, STRIP);
    }

    /** The row stride of {@link #scores}. */
    int stride() {
        return stride;
    }

    /** The key whose scores are the first row of {@link #scores}. */
    int keyFrom() {
        return keyFrom;
    }

    /**
     * The branch over keys {@code [from, to)}, the union of the vectors' ranges, of head g of
     * packed keys and values of {@code length} keys.
     */
    void run(float[] keys, float[] values, int length, int g, int from, int to) {
        Arrays.fill(maxima, 0, stride, Float.NEGATIVE_INFINITY);
        Arrays.fill(totals, 0, stride, 0);
        keyFrom = from - from % KEYS;
        if (from >= to) {
            return;
        }
        int strips = stride / STRIP;
        AttentionTiles.scores(keys, length, g, dim, keyFrom, to, queries, strips, scores,
                stride);
        int first = 0;
        int end = 0;
        for (int s = from; s < to; s++) {
            first = firstSeeing(s, first);
            end = endSeeing(s, end);
            int at = (s - keyFrom) * stride;
            for (int i = first; i < end; i++) {
                maxima[i] = Math.max(maxima[i], scores[at + i]);
            }
        }
        int depth = to - keyFrom;
        first = 0;
        end = 0;
        for (int s = keyFrom; s < to; s++) {
            Arrays.fill(row, 0, stride, 0f);
            if (s >= from) {
                first = firstSeeing(s, first);
                end = endSeeing(s, end);
                int at = (s - keyFrom) * stride;
                for (int i = first; i < end; i++) {
                    row[i] = scores[at + i] - maxima[i];
                }
                VectorExp.exp(row, first, end, 0f, expScratch);
                for (int i = first; i < end; i++) {
                    totals[i] += row[i];
                }
            }
            for (int qs = 0; qs < strips; qs++) {
                System.arraycopy(row, qs * STRIP, probabilities,
                        (qs * depth + s - keyFrom) * STRIP, STRIP);
            }
        }
        AttentionTiles.accumulate(values, length, g, dim, keyFrom, to, probabilities, strips,
                acc, stride, true);
    }

    /**
     * The query side of the branch's backward over keys {@code [from, to)}, the union of the
     * vectors' ranges: the scores against keys and {@code dout . v} against values,
     * {@code p = exp(score - lse)} and {@code ds = p (gate dout . v - delta)} on each vector's
     * own keys, then {@code dq += sum_s ds_s k_s} in ascending key order into the
     * accumulators, which {@link #output} does not read: {@link #dq} does.
     *
     * @param keys the keys packed by {@link AttentionTiles#packKeys}
     * @param dotValues the values packed the same way, for {@code dout . v}
     * @param keyValues the keys packed by {@link AttentionTiles#packValues}, for dq
     * @param fromZero whether dq starts from zero instead of adding to the last call's
     */
    void gradients(float[] keys, float[] dotValues, float[] keyValues, int length, int g,
            int from, int to, boolean fromZero) {
        keyFrom = from - from % KEYS;
        if (from >= to) {
            if (fromZero) {
                Arrays.fill(acc, 0f);
            }
            return;
        }
        int strips = stride / STRIP;
        AttentionTiles.scores(keys, length, g, dim, keyFrom, to, queries, strips, scores,
                stride);
        AttentionTiles.scores(dotValues, length, g, dim, keyFrom, to, douts, strips, dots,
                stride);
        int depth = to - keyFrom;
        int first = 0;
        int end = 0;
        for (int s = keyFrom; s < to; s++) {
            int at = (s - keyFrom) * stride;
            Arrays.fill(gradientRow, 0, stride, 0f);
            if (s >= from) {
                first = firstSeeing(s, first);
                end = endSeeing(s, end);
                for (int i = first; i < end; i++) {
                    row[i] = scores[at + i] - lse[i];
                }
                VectorExp.exp(row, first, end, 0f, expScratch);
                for (int i = first; i < end; i++) {
                    gradientRow[i] = row[i] * (gate[i] * dots[at + i] - delta[i]);
                }
            }
            for (int qs = 0; qs < strips; qs++) {
                System.arraycopy(gradientRow, qs * STRIP, probabilities,
                        (qs * depth + s - keyFrom) * STRIP, STRIP);
            }
        }
        AttentionTiles.accumulate(keyValues, length, g, dim, keyFrom, to, probabilities, strips,
                acc, stride, fromZero);
    }

    /** Vector i's dq of the last {@link #gradients} calls, unscaled, into {@code out}. */
    void dq(int i, float[] out) {
        for (int d = 0; d < dim; d++) {
            out[d] = acc[d * stride + i];
        }
    }

    /** The first vector from {@code first} whose range ends after key s. */
    private int firstSeeing(int s, int first) {
        while (first < vectors && hi[first] <= s) {
            first++;
        }
        return first;
    }

    /** The first vector from {@code end} whose range starts after key s. */
    private int endSeeing(int s, int end) {
        while (end < vectors && lo[end] <= s) {
            end++;
        }
        return end;
    }

    /**
     * Vector i's output of the last run into {@code out[at .. at + D)}, zeros where its range
     * held no key.
     *
     * @return its log-sum-exp, negative infinity for an empty range
     */
    float output(int i, float[] out, int at) {
        if (totals[i] == 0) {
            Arrays.fill(out, at, at + dim, 0f);
            return Float.NEGATIVE_INFINITY;
        }
        double inverse = 1 / totals[i];
        for (int d = 0; d < dim; d++) {
            out[at + d] = (float) (acc[d * stride + i] * inverse);
        }
        return (float) (maxima[i] + Math.log(totals[i]));
    }
}
