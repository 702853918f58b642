package org.sparsa.core.attention.internal.opencl;

import com.aparapi.Kernel;

/**
 * dq, one work item per (query row {@code t}, query head {@code h}), item {@code t * Hq + h},
 * over the keys {@code t} sees in increasing order: {@code p = exp(score - lse)},
 * {@code dp = dout . v[s]}, {@code ds = p * (dp - delta) * scale}, {@code dq += ds * k[s]}.
 * The item accumulates in its own row of {@code dq}.
 *
 * <p>{@code delta[t, h] = dout[t, h] . o[t, h]} comes in precomputed ({@code [T, Hq]}); the
 * dk/dv kernel reads the same array, so both passes subtract identical values.
 */
public final class QueryGradientKernel extends Kernel {
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private float[] dout = new float[1];
    private float[] lse = new float[1];
    private float[] delta = new float[1];
    private float[] dq = new float[1];
    private int items;
    private int queryHeads;
    private int kvHeads;
    private int headDim;
    private int groupSize;
    private int window;
    private float scale;

    /**
     * Sets the sizes and arrays of the next execute: q, dout {@code [T, Hq, D]}, k, v
     * {@code [T, Hkv, D]}, lse, delta {@code [T, Hq]} in; dq {@code [T, Hq, D]} out.
     */
    public void bind(int length, int queryHeads, int kvHeads, int headDim, int window,
            float scale, float[] q, float[] k, float[] v, float[] dout, float[] lse,
            float[] delta, float[] dq) {
        this.items = length * queryHeads;
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
        this.dq = dq;
    }

    @Override
    public void run() {
        int id = getGlobalId();
        if (id < items) {
            int t = id / queryHeads;
            int h = id - t * queryHeads;
            int g = h / groupSize;
            int first = 0;
            if (window > 0 && t - window + 1 > 0) {
                first = t - window + 1;
            }
            int qBase = id * headDim;
            int kvStride = kvHeads * headDim;
            float rowLse = lse[id];
            float rowDelta = delta[id];
            for (int d = 0; d < headDim; d++) {
                dq[qBase + d] = 0f;
            }
            int kvBase = (first * kvHeads + g) * headDim;
            for (int s = first; s <= t; s++) {
                float p = exp(score(qBase, kvBase) - rowLse);
                float dp = 0f;
                for (int d = 0; d < headDim; d++) {
                    dp = dp + dout[qBase + d] * v[kvBase + d];
                }
                float ds = p * (dp - rowDelta) * scale;
                for (int d = 0; d < headDim; d++) {
                    dq[qBase + d] = dq[qBase + d] + ds * k[kvBase + d];
                }
                kvBase = kvBase + kvStride;
            }
        }
    }

    /** {@code scale * (q[qBase..] . k[kBase..])}, as in {@link ForwardKernel}. */
    private float score(int qBase, int kBase) {
        float sum = 0f;
        for (int d = 0; d < headDim; d++) {
            sum = sum + q[qBase + d] * k[kBase + d];
        }
        return sum * scale;
    }
}
