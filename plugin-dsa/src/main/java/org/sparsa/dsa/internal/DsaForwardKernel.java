package org.sparsa.dsa.internal;

import com.aparapi.Kernel;

/**
 * DSA's sparse attention on an OpenCL device, one work item per (query row {@code t}, kv head
 * {@code g}), item {@code t * Hkv + g}, doing every query head of the group over the row's
 * selected keys, as {@link DsaKernel#forward}: the scaled scores' maximum and the double sum of
 * their exponentials in one pass (the sum rescaled when a larger score arrives), then
 * {@code o += (float) (exp(score - max) / total) * v} in a second, and
 * {@code lse = max + log(total)}. A selected key or value row is read by the group's heads from
 * the same item. The item writes only its own rows of o and lse.
 */
public final class DsaForwardKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private int[] selected = new int[1];
    private float[] o = new float[1];
    private float[] lse = new float[1];
    private int items;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private int topK;
    private float scale;
    /** Negative infinity, the log-sum-exp of a row without keys, handed in as a value. */
    private float emptyLse;

    /**
     * Sets the sizes and arrays of the next execute: q {@code [Tq, Hq, D]}, k and v
     * {@code [Tk, Hkv, D]} and selected {@code [Tq, topK]} in, o {@code [Tq, Hq, D]} and lse
     * {@code [Tq, Hq]} out.
     */
    public void bind(DsaKernel.Sizes sizes, float[] q, float[] k, float[] v, int[] selected,
            float[] o, float[] lse) {
        this.items = sizes.queries() * sizes.kvHeads();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.group();
        this.headDim = sizes.dim();
        this.topK = sizes.topK();
        this.scale = (float) (1 / Math.sqrt(sizes.dim()));
        this.emptyLse = Float.NEGATIVE_INFINITY;
        this.q = q;
        this.k = k;
        this.v = v;
        this.selected = selected;
        this.o = o;
        this.lse = lse;
    }

    @Override
    public void run() {
        int id = getGlobalId();
        if (id < items) {
            int t = id / kvHeads;
            int g = id - t * kvHeads;
            int at = t * topK;
            int count = 0;
            while (count < topK && selected[at + count] >= 0) {
                count++;
            }
            for (int x = 0; x < groupSize; x++) {
                int row = t * queryHeads + g * groupSize + x;
                int queryAt = row * headDim;
                float largest = emptyLse;
                double total = 0.0;
                for (int c = 0; c < count; c++) {
                    float logit = logit(queryAt, (selected[at + c] * kvHeads + g) * headDim);
                    if (logit > largest) {
                        if (c > 0) {
                            // Earlier terms were weighted against a smaller maximum.
                            total = total * exp((double) largest - (double) logit);
                        }
                        largest = logit;
                    }
                    total = total + exp((double) logit - (double) largest);
                }
                for (int d = 0; d < headDim; d++) {
                    o[queryAt + d] = 0f;
                }
                lse[row] = emptyLse;
                if (count > 0) {
                    lse[row] = (float) ((double) largest + log(total));
                    for (int c = 0; c < count; c++) {
                        int keyAt = (selected[at + c] * kvHeads + g) * headDim;
                        float p = (float) (exp((double) logit(queryAt, keyAt) - (double) largest)
                                / total);
                        for (int d = 0; d < headDim; d++) {
                            o[queryAt + d] = o[queryAt + d] + p * v[keyAt + d];
                        }
                    }
                }
            }
        }
    }

    /** The scaled score of the query at queryAt against the key at keyAt. */
    private float logit(int queryAt, int keyAt) {
        float dot = 0f;
        for (int d = 0; d < headDim; d++) {
            dot = dot + q[queryAt + d] * k[keyAt + d];
        }
        return dot * scale;
    }
}
