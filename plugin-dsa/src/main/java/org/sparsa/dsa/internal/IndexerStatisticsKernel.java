package org.sparsa.dsa.internal;

import com.aparapi.Kernel;

/**
 * The forward of the indexer loss on an OpenCL device, one work item per query row {@code t}:
 * the log-sum-exp of each teacher head's scaled logits and of the index scores over the row's
 * keys, each an online softmax (running maximum, double sum rescaled when a larger logit
 * arrives), then the row's {@code KL = sum_s p (log p - (I - lse_I))} from the stored
 * statistics, with {@code 0 log 0 = 0}. The item writes only row t of teacherLse, studentLse
 * and kl; every row has at least one key, itself.
 *
 * <p>Aparapi translates this class alone (it reads no superclass's code inside an OSGi bundle),
 * so it holds its own copies of the score routines, the same in every indexer kernel: dot
 * products one fused multiply-add chain ascending in the dimension, sums over heads and keys in
 * double (so the device needs {@code cl_khr_fp64}).
 */
public final class IndexerStatisticsKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] qi = new float[1];
    private float[] ki = new float[1];
    private float[] w = new float[1];
    private int[] selected = new int[1];
    private float[] teacherLse = new float[1];
    private float[] studentLse = new float[1];
    private float[] kl = new float[1];
    private int length;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private int indexHeads;
    private int indexDim;
    private int topK;
    private float scale;

    /**
     * Sets the sequence of the next execute: inputs in, and the outputs teacherLse
     * {@code [T, Hq]}, studentLse and kl {@code [T]}.
     */
    public void bind(IndexerKernel.Sizes sizes, IndexerKernel.Inputs in, int[] selected,
            float[] teacherLse, float[] studentLse, float[] kl) {
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
        this.selected = selected;
        this.teacherLse = teacherLse;
        this.studentLse = studentLse;
        this.kl = kl;
    }

    @Override
    public void run() {
        int t = getGlobalId();
        if (t < length) {
            int slots = keySlots(t);
            for (int h = 0; h < queryHeads; h++) {
                double largest = 0.0;
                double total = 0.0;
                for (int c = 0; c < slots; c++) {
                    int s = keyOf(t, c);
                    if (s >= 0) {
                        double x = teacherLogit(t, h, s);
                        if (c == 0) {
                            largest = x;
                        }
                        if (x > largest) {
                            // Earlier terms were weighted against a smaller maximum.
                            total = total * exp(largest - x);
                            largest = x;
                        }
                        total = total + exp(x - largest);
                    }
                }
                teacherLse[t * queryHeads + h] = (float) (largest + log(total));
            }
            double largest = 0.0;
            double total = 0.0;
            for (int c = 0; c < slots; c++) {
                int s = keyOf(t, c);
                if (s >= 0) {
                    double x = studentScore(t, s);
                    if (c == 0) {
                        largest = x;
                    }
                    if (x > largest) {
                        total = total * exp(largest - x);
                        largest = x;
                    }
                    total = total + exp(x - largest);
                }
            }
            studentLse[t] = (float) (largest + log(total));
            double sum = 0.0;
            for (int c = 0; c < slots; c++) {
                int s = keyOf(t, c);
                if (s >= 0) {
                    double p = teacherProbability(t, s);
                    if (p > 0.0) {
                        sum = sum + p * (log(p) - (double) (studentScore(t, s) - studentLse[t]));
                    }
                }
            }
            kl[t] = (float) sum;
        }
    }

    /** How many key slots row t has; {@link #keyOf} may still mark some as padding. */
    private int keySlots(int t) {
        int slots = t + 1;
        if (topK > 0) {
            slots = topK;
        }
        return slots;
    }

    /** The key in slot c of row t: c itself (dense), else the selection's id, -1 padding. */
    private int keyOf(int t, int c) {
        int s = c;
        if (topK > 0) {
            s = selected[t * topK + c];
        }
        return s;
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
}
