package org.sparsa.core.attention.internal.opencl;

import com.aparapi.Kernel;

/**
 * The forward pass, one work item per (query row {@code t}, query head {@code h}), item
 * {@code t * Hq + h}: an online softmax over the keys {@code t} sees, in increasing order.
 * The item keeps the running maximum {@code m} and sum {@code l} and accumulates the weighted
 * values directly in its own row of {@code o}, rescaling that row whenever a larger score
 * arrives; at the end it divides by {@code l} and writes {@code lse = m + log(l)}.
 *
 * <p>Scores are {@code scale * (q . k)} with the dot product summed over {@code d = 0..D-1}, the
 * same expression the gradient kernels use, so the backward's {@code exp(score - lse)}
 * reproduces the forward's probabilities. The first visible key seeds the maximum, so no
 * infinity ever reaches the generated OpenCL.
 *
 * <p>Items past {@link #bind}'s count (the range is padded to a whole number of work groups)
 * do nothing.
 */
public final class ForwardKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private float[] o = new float[1];
    private float[] lse = new float[1];
    private int items;
    private int queryHeads;
    private int kvHeads;
    private int headDim;
    private int groupSize;
    private int window;
    private float scale;

    /**
     * Sets the sizes and the arrays of the next execute: q {@code [T, Hq, D]}, k and v
     * {@code [T, Hkv, D]} in, o {@code [T, Hq, D]} and lse {@code [T, Hq]} out.
     */
    public void bind(int length, int queryHeads, int kvHeads, int headDim, int window,
            float scale, float[] q, float[] k, float[] v, float[] o, float[] lse) {
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
        this.o = o;
        this.lse = lse;
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
            int kvBase = (first * kvHeads + g) * headDim;
            float m = score(qBase, kvBase);
            float l = 1f;
            for (int d = 0; d < headDim; d++) {
                o[qBase + d] = v[kvBase + d];
            }
            for (int s = first + 1; s <= t; s++) {
                kvBase = kvBase + kvStride;
                float x = score(qBase, kvBase);
                if (x > m) {
                    // Earlier terms were weighted against a smaller maximum; bring them in line.
                    float alpha = exp(m - x);
                    l = l * alpha;
                    for (int d = 0; d < headDim; d++) {
                        o[qBase + d] = o[qBase + d] * alpha;
                    }
                    m = x;
                }
                float p = exp(x - m);
                l = l + p;
                for (int d = 0; d < headDim; d++) {
                    o[qBase + d] = o[qBase + d] + p * v[kvBase + d];
                }
            }
            for (int d = 0; d < headDim; d++) {
                o[qBase + d] = o[qBase + d] / l;
            }
            lse[id] = m + log(l);
        }
    }

    /** {@code scale * (q[qBase..] . k[kBase..])}, summed over d in increasing order. */
    private float score(int qBase, int kBase) {
        float sum = 0f;
        for (int d = 0; d < headDim; d++) {
            sum = sum + q[qBase + d] * k[kBase + d];
        }
        return sum * scale;
    }
}
