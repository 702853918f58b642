package org.sparsa.core.attention.internal.opencl;

import com.aparapi.Kernel;

/**
 * dk and dv, one work item per (key {@code s}, kv head {@code g}), item {@code s * Hkv + g}:
 * for each query head {@code h} of group {@code g} in order, and each query {@code t} that sees
 * {@code s} ({@code s <= t <= lastQuerySeeing(s)}) in increasing order, it recomputes
 * {@code p = exp(score - lse)} and {@code ds = p * (dout . v[s] - delta) * scale}, then adds
 * {@code p * dout[t, h]} to dv and {@code ds * q[t, h]} to dk. The item accumulates in its own
 * rows of {@code dk} and {@code dv}; no other item writes them.
 */
public final class KeyValueGradientKernel extends Kernel {
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private float[] dout = new float[1];
    private float[] lse = new float[1];
    private float[] delta = new float[1];
    private float[] dk = new float[1];
    private float[] dv = new float[1];
    private int items;
    private int length;
    private int queryHeads;
    private int kvHeads;
    private int headDim;
    private int groupSize;
    private int window;
    private float scale;

    /**
     * Sets the sizes and arrays of the next execute: q, dout {@code [T, Hq, D]}, k, v
     * {@code [T, Hkv, D]}, lse, delta {@code [T, Hq]} in; dk, dv {@code [T, Hkv, D]} out.
     */
    public void bind(int length, int queryHeads, int kvHeads, int headDim, int window,
            float scale, float[] q, float[] k, float[] v, float[] dout, float[] lse,
            float[] delta, float[] dk, float[] dv) {
        this.items = length * kvHeads;
        this.length = length;
        this.queryHeads = queryHeads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.groupSize = queryHeads / kvHeads;
        this.window = window;
        this.scale = scale;
        this.q = q;
        this.k = k;
        this.v = v;
        this.dout = dout;
        this.lse = lse;
        this.delta = delta;
        this.dk = dk;
        this.dv = dv;
    }

    @Override
    public void run() {
        int id = getGlobalId();
        if (id < items) {
            int s = id / kvHeads;
            int g = id - s * kvHeads;
            int last = length - 1;
            if (window > 0 && s + window - 1 < last) {
                last = s + window - 1;
            }
            int kvBase = id * headDim;
            for (int d = 0; d < headDim; d++) {
                dk[kvBase + d] = 0f;
                dv[kvBase + d] = 0f;
            }
            for (int h = g * groupSize; h < (g + 1) * groupSize; h++) {
                for (int t = s; t <= last; t++) {
                    int row = t * queryHeads + h;
                    int qBase = row * headDim;
                    float p = exp(score(qBase, kvBase) - lse[row]);
                    float dp = 0f;
                    for (int d = 0; d < headDim; d++) {
                        dp = dp + dout[qBase + d] * v[kvBase + d];
                    }
                    float ds = p * (dp - delta[row]) * scale;
                    for (int d = 0; d < headDim; d++) {
                        dv[kvBase + d] = dv[kvBase + d] + p * dout[qBase + d];
                        dk[kvBase + d] = dk[kvBase + d] + ds * q[qBase + d];
                    }
                }
            }
        }
    }

    /**
     * {@code scale * (q[qBase..] . k[kBase..])}, the products in the order of
     * {@link ForwardKernel}'s so that {@code exp(score - lse)} gives the forward's probability.
     */
    private float score(int qBase, int kBase) {
        float sum = 0f;
        for (int d = 0; d < headDim; d++) {
            sum = sum + q[qBase + d] * k[kBase + d];
        }
        return sum * scale;
    }
}
