package org.sparsa.dsa.internal;

import com.aparapi.Kernel;

/**
 * The query side of DSA's backward on an OpenCL device, one work item per (query row
 * {@code t}, kv head {@code g}), item {@code t * Hkv + g}, doing every query head of the group,
 * as {@link DsaKernel#backward}: the row term {@code delta = dout . o}, then dq summed over the
 * selected keys in selection order, each with the probability recomputed as
 * {@code exp(score - lse)} and the score's gradient {@code p * (dout . v - delta)}. The deltas
 * go out too, for {@link DsaKeyGradientKernel}. The item writes only its own rows of dq and
 * delta.
 */
public final class DsaQueryGradientKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private int[] selected = new int[1];
    private float[] o = new float[1];
    private float[] lse = new float[1];
    private float[] dout = new float[1];
    private float[] dq = new float[1];
    private float[] delta = new float[1];
    private int items;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private int topK;
    private float scale;

    /**
     * Sets the sizes and arrays of the next execute: q, o, dout {@code [Tq, Hq, D]}, k, v
     * {@code [Tk, Hkv, D]}, selected {@code [Tq, topK]} and lse {@code [Tq, Hq]} in; dq
     * {@code [Tq, Hq, D]} and delta {@code [Tq, Hq]} out.
     */
    public void bind(DsaKernel.Sizes sizes, float[] q, float[] k, float[] v, int[] selected,
            float[] o, float[] lse, float[] dout, float[] dq, float[] delta) {
        this.items = sizes.queries() * sizes.kvHeads();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.group();
        this.headDim = sizes.dim();
        this.topK = sizes.topK();
        this.scale = (float) (1 / Math.sqrt(sizes.dim()));
        this.q = q;
        this.k = k;
        this.v = v;
        this.selected = selected;
        this.o = o;
        this.lse = lse;
        this.dout = dout;
        this.dq = dq;
        this.delta = delta;
    }

    @Override
    public void run() {
        int id = getGlobalId();
        if (id < items) {
            int t = id / kvHeads;
            int g = id - t * kvHeads;
            int at = t * topK;
            for (int x = 0; x < groupSize; x++) {
                int row = t * queryHeads + g * groupSize + x;
                int queryAt = row * headDim;
                float rowDelta = 0f;
                for (int d = 0; d < headDim; d++) {
                    rowDelta = rowDelta + dout[queryAt + d] * o[queryAt + d];
                    dq[queryAt + d] = 0f;
                }
                delta[row] = rowDelta;
                for (int c = 0; c < topK; c++) {
                    int key = selected[at + c];
                    if (key >= 0) {
                        int keyAt = (key * kvHeads + g) * headDim;
                        float dot = 0f;
                        float dp = 0f;
                        for (int d = 0; d < headDim; d++) {
                            dot = dot + q[queryAt + d] * k[keyAt + d];
                            dp = dp + dout[queryAt + d] * v[keyAt + d];
                        }
                        float p = (float) exp((double) (dot * scale - lse[row]));
                        float ds = p * (dp - rowDelta);
                        for (int d = 0; d < headDim; d++) {
                            dq[queryAt + d] = dq[queryAt + d] + ds * scale * k[keyAt + d];
                        }
                    }
                }
            }
        }
    }
}
