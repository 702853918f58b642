package org.sparsa.dsa.internal;

import com.aparapi.Kernel;

/**
 * What the indexer loss's OpenCL kernels share: one sequence's inputs and saved statistics as
 * kernel arguments, and the routines that recompute a (row, key) pair's scores from them, the
 * teacher's per-head logits {@code q . k / sqrt(D)}, the index logits {@code z = qi . ki}, the
 * student score {@code I = sum_j w[j] ReLU(z[j])}, the teacher probability and the loss's
 * gradient with respect to I. Every pass recomputes them with these same routines, so the
 * forward's statistics and the backward's probabilities agree.
 *
 * <p>A row's keys are every visible key {@code 0 .. t} (dense loss, {@code topK} 0) or the
 * ids of its selection row (sparse loss), skipping the -1 padding. Dot products are one fused
 * multiply-add chain, ascending in the dimension; sums over keys, heads and the teacher's
 * exponentials are double, so the device needs {@code cl_khr_fp64}, as NSA's kernels do.
 */
public abstract class IndexerScoreKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    protected float[] q = new float[1];
    protected float[] k = new float[1];
    protected float[] qi = new float[1];
    protected float[] ki = new float[1];
    protected float[] w = new float[1];
    protected int[] selected = new int[1];
    protected float[] teacherLse = new float[1];
    protected float[] studentLse = new float[1];
    protected int length;
    protected int queryHeads;
    protected int kvHeads;
    protected int groupSize;
    protected int headDim;
    protected int indexHeads;
    protected int indexDim;
    protected int topK;
    protected float scale;
    /** The loss's gradient per row, for the backward kernels. */
    protected float rowGradient;

    /**
     * Sets the sequence's sizes, inputs and statistics (arrays of the layouts of
     * {@link IndexerKernel.Inputs} and {@link IndexerKernel.Forward}; {@code selected} not
     * empty, one unused id for the dense loss).
     */
    protected void bindSequence(IndexerKernel.Sizes sizes, IndexerKernel.Inputs in,
            int[] selected, float[] teacherLse, float[] studentLse, float rowGradient) {
        this.length = sizes.length();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.queryHeads() / sizes.kvHeads();
        this.headDim = sizes.dim();
        this.indexHeads = sizes.indexHeads();
        this.indexDim = sizes.indexDim();
        this.topK = sizes.topK();
        this.scale = (float) (1 / Math.sqrt(sizes.dim()));
        this.rowGradient = rowGradient;
        this.q = in.q();
        this.k = in.k();
        this.qi = in.qi();
        this.ki = in.ki();
        this.w = in.w();
        this.selected = selected;
        this.teacherLse = teacherLse;
        this.studentLse = studentLse;
    }

    /** How many key slots row t has; {@link #keyOf} may still mark some as padding. */
    protected int keySlots(int t) {
        int slots = t + 1;
        if (topK > 0) {
            slots = topK;
        }
        return slots;
    }

    /** The key in slot c of row t, or -1 for padding. */
    protected int keyOf(int t, int c) {
        int s = c;
        if (topK > 0) {
            s = selected[t * topK + c];
        }
        return s;
    }

    /** Teacher head h's scaled logit of the pair (t, s). */
    protected float teacherLogit(int t, int h, int s) {
        int qAt = (t * queryHeads + h) * headDim;
        int kAt = (s * kvHeads + h / groupSize) * headDim;
        float sum = 0f;
        for (int d = 0; d < headDim; d++) {
            sum = fma(q[qAt + d], k[kAt + d], sum);
        }
        return sum * scale;
    }

    /** Index head j's logit {@code qi[t, j] . ki[s]}. */
    protected float indexLogit(int t, int j, int s) {
        int qAt = (t * indexHeads + j) * indexDim;
        int kAt = s * indexDim;
        float sum = 0f;
        for (int d = 0; d < indexDim; d++) {
            sum = fma(qi[qAt + d], ki[kAt + d], sum);
        }
        return sum;
    }

    /** The index score {@code I[t, s]}, summed over the index heads in double. */
    protected float studentScore(int t, int s) {
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
    protected double teacherProbability(int t, int s) {
        double p = 0.0;
        for (int h = 0; h < queryHeads; h++) {
            p = p + exp((double) (teacherLogit(t, h, s) - teacherLse[t * queryHeads + h]));
        }
        return p / queryHeads;
    }

    /** {@code dKL/dI[t, s]} times the row's gradient: {@code softmax(I)[s] - p[s]}. */
    protected float scoreGradient(int t, int s) {
        double p = teacherProbability(t, s);
        double student = exp((double) (studentScore(t, s) - studentLse[t]));
        return (float) (rowGradient * (student - p));
    }
}
