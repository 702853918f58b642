package org.sparsa.nsa.internal;

import com.aparapi.Kernel;

/**
 * The compressed keys' gradients of NSA's backward on an OpenCL device, one work item per
 * (compressed token {@code i}, kv head {@code g}), item {@code i * Hkv + g}: dkc and dvc gather
 * from every row that sees the token, {@code t >= i d + l - 1} ascending, the query heads of the
 * group in order within a row. Probabilities are recomputed as {@code exp(score - lse)} with the
 * forward kernel's score routine; the row terms {@code delta} come from
 * {@link NsaQueryGradientKernel}. The item writes only its token's rows.
 */
public final class NsaCompressedGradientKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] kc = new float[1];
    private float[] vc = new float[1];
    private float[] gates = new float[1];
    private float[] lse = new float[1];
    private float[] dout = new float[1];
    private float[] delta = new float[1];
    private float[] dkc = new float[1];
    private float[] dvc = new float[1];
    private int items;
    private int length;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private int blockLen;
    private int stride;
    private float scale;

    /**
     * Sets the sizes and arrays of the next execute: q, dout {@code [T, Hq, D]}, kc, vc
     * {@code [Nc, Hkv, D]}, gates, lse, delta {@code [T, Hq, 3]} in; dkc, dvc
     * {@code [Nc, Hkv, D]} out.
     */
    public void bind(NsaKernel.Sizes sizes, float[] q, float[] kc, float[] vc, float[] gates,
            float[] lse, float[] dout, float[] delta, float[] dkc, float[] dvc) {
        NsaParams params = sizes.params();
        this.items = sizes.compressed() * sizes.kvHeads();
        this.length = sizes.length();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.group();
        this.headDim = sizes.dim();
        this.blockLen = params.blockLen();
        this.stride = params.stride();
        this.scale = sizes.scale();
        this.q = q;
        this.kc = kc;
        this.vc = vc;
        this.gates = gates;
        this.lse = lse;
        this.dout = dout;
        this.delta = delta;
        this.dkc = dkc;
        this.dvc = dvc;
    }

    @Override
    public void run() {
        int id = getGlobalId();
        if (id < items) {
            int i = id / kvHeads;
            int g = id - i * kvHeads;
            int keyAt = id * headDim;
            for (int d = 0; d < headDim; d++) {
                dkc[keyAt + d] = 0f;
                dvc[keyAt + d] = 0f;
            }
            for (int t = i * stride + blockLen - 1; t < length; t++) {
                for (int x = 0; x < groupSize; x++) {
                    int row = t * queryHeads + g * groupSize + x;
                    int qAt = row * headDim;
                    float gate = gates[row * 3];
                    float score = 0f;
                    float dp = 0f;
                    for (int d = 0; d < headDim; d++) {
                        score = fma(q[qAt + d] * scale, kc[keyAt + d], score);
                        dp = fma(dout[qAt + d], vc[keyAt + d], dp);
                    }
                    float p = exp(score - lse[row * 3]);
                    float ds = p * (gate * dp - delta[row * 3]);
                    float share = p * gate;
                    for (int d = 0; d < headDim; d++) {
                        dkc[keyAt + d] = fma(ds, q[qAt + d] * scale, dkc[keyAt + d]);
                        dvc[keyAt + d] = fma(share, dout[qAt + d], dvc[keyAt + d]);
                    }
                }
            }
        }
    }
}
