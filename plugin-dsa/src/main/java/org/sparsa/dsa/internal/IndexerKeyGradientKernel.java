package org.sparsa.dsa.internal;

import com.aparapi.Kernel;

/**
 * The key side of the indexer loss's backward on an OpenCL device, one work item per key
 * {@code s}: {@code dki[s]} gathers {@code g w[t, j] qi[t, j]} over index heads j with
 * {@code z = qi[t, j] . ki[s] > 0} and over the rows t that read the key, ascending: every row
 * {@code t >= s} for the dense loss, for the sparse one the rows that selected it, from an
 * inverted index {@code rowStart [T + 1]}, {@code rows} built on the host in row order. No two
 * items write the same value, and each sums in an order fixed by the data alone.
 *
 * <p>Aparapi translates this class alone (it reads no superclass's code inside an OSGi bundle),
 * so it holds its own copies of the score routines, the same in every indexer kernel: dot
 * products one fused multiply-add chain ascending in the dimension, sums over heads and keys in
 * double (so the device needs {@code cl_khr_fp64}).
 */
public final class IndexerKeyGradientKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] qi = new float[1];
    private float[] ki = new float[1];
    private float[] w = new float[1];
    private float[] teacherLse = new float[1];
    private float[] studentLse = new float[1];
    private int[] rowStart = new int[1];
    private int[] rows = new int[1];
    private float[] dki = new float[1];
    private int length;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private int indexHeads;
    private int indexDim;
    private int topK;
    private float scale;
    private float rowGradient;

    /**
     * Sets the sequence of the next execute: inputs, the forward's statistics and (sparse) the
     * inverted index in, dki {@code [T, dI]} out, for a loss whose rows each have gradient
     * {@code rowGradient}. The index is unread for the dense loss and then any non-empty array.
     */
    public void bind(IndexerKernel.Sizes sizes, IndexerKernel.Inputs in, float[] teacherLse,
            float[] studentLse, float rowGradient, int[] rowStart, int[] rows, float[] dki) {
        this.length = sizes.length();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.queryHeads() / sizes.kvHeads();
        this.headDim = sizes.dim();
        this.indexHeads = sizes.indexHeads();
        this.indexDim = sizes.indexDim();
        this.topK = sizes.topK();
        this.scale = (float) (1 / Math.sqrt(sizes.dim()));
        this.q = in.q();
        this.k = in.k();
        this.qi = in.qi();
        this.ki = in.ki();
        this.w = in.w();
        this.teacherLse = teacherLse;
        this.studentLse = studentLse;
        this.rowGradient = rowGradient;
        this.rowStart = rowStart;
        this.rows = rows;
        this.dki = dki;
    }

    @Override
    public void run() {
        int s = getGlobalId();
        if (s < length) {
            int keyAt = s * indexDim;
            for (int d = 0; d < indexDim; d++) {
                dki[keyAt + d] = 0f;
            }
            int from = s;
            int to = length;
            if (topK > 0) {
                from = rowStart[s];
                to = rowStart[s + 1];
            }
            for (int r = from; r < to; r++) {
                int t = r;
                if (topK > 0) {
                    t = rows[r];
                }
                float g = scoreGradient(t, s);
                for (int j = 0; j < indexHeads; j++) {
                    float z = indexLogit(t, j, s);
                    if (z > 0f) {
                        float scaled = g * w[t * indexHeads + j];
                        int at = (t * indexHeads + j) * indexDim;
                        for (int d = 0; d < indexDim; d++) {
                            dki[keyAt + d] = dki[keyAt + d] + scaled * qi[at + d];
                        }
                    }
                }
            }
        }
    }

    /** Teacher head h's scaled logit of the pair (t, s). */
    private float teacherLogit(int t, int h, int s) {
        int qAt = (t * queryHeads + h) * headDim;
        int kAt = (s * kvHeads + h / groupSize) * headDim;
        float sum = 0f;
        for (int d = 0; d < headDim; d++) {
            sum = fma(q[qAt + d], k[kAt + d], sum);
        }
        return sum * scale;
    }

    /** Index head j's logit {@code qi[t, j] . ki[s]}. */
    private float indexLogit(int t, int j, int s) {
        int qAt = (t * indexHeads + j) * indexDim;
        int kAt = s * indexDim;
        float sum = 0f;
        for (int d = 0; d < indexDim; d++) {
            sum = fma(qi[qAt + d], ki[kAt + d], sum);
        }
        return sum;
    }

    /** The index score {@code I[t, s] = sum_j w[t, j] ReLU(z[j])}, summed in double. */
    private float studentScore(int t, int s) {
        double score = 0.0;
        for (int j = 0; j < indexHeads; j++) {
            float z = indexLogit(t, j, s);
            if (z > 0f) {
                score = score + (double) (w[t * indexHeads + j] * z);
            }
        }
        return (float) score;
    }

    /** The teacher's probability of s for row t: the mean of the heads' softmaxes. */
    private double teacherProbability(int t, int s) {
        double p = 0.0;
        for (int h = 0; h < queryHeads; h++) {
            p = p + exp((double) (teacherLogit(t, h, s) - teacherLse[t * queryHeads + h]));
        }
        return p / queryHeads;
    }

    /** {@code dKL/dI[t, s]} times the row's gradient: {@code softmax(I)[s] - p[s]}. */
    private float scoreGradient(int t, int s) {
        double p = teacherProbability(t, s);
        double student = exp((double) (studentScore(t, s) - studentLse[t]));
        return (float) (rowGradient * (student - p));
    }
}
