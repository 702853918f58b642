package org.sparsa.dsa.internal;

import com.aparapi.Kernel;

/**
 * The key side of DSA's backward on an OpenCL device, one work item per (key {@code s}, kv
 * head {@code g}), item {@code s * Hkv + g}, as {@link DsaKernel#backward}: dk and dv gather
 * from the rows that selected the key, read from an inverted index built on the host in row
 * order ({@code rowStart [Tk + 1]}, {@code rows}: the selecting rows of key s are
 * {@code rows[rowStart[s] .. rowStart[s + 1])}, ascending), and within a row the query heads of
 * the group in order, so every sum runs in an order fixed by the data alone. Probabilities are
 * recomputed as {@code exp(score - lse)}; the row terms {@code delta} come from
 * {@link DsaQueryGradientKernel}. The item writes only its key's rows.
 */
public final class DsaKeyGradientKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private float[] lse = new float[1];
    private float[] dout = new float[1];
    private float[] delta = new float[1];
    private int[] rowStart = new int[1];
    private int[] rows = new int[1];
    private float[] dk = new float[1];
    private float[] dv = new float[1];
    private int items;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private float scale;

    /**
     * Sets the sizes and arrays of the next execute: q, dout {@code [Tq, Hq, D]}, k, v
     * {@code [Tk, Hkv, D]}, lse, delta {@code [Tq, Hq]} and the inverted index in; dk, dv
     * {@code [Tk, Hkv, D]} out.
     */
    public void bind(DsaKernel.Sizes sizes, float[] q, float[] k, float[] v, float[] lse,
            float[] dout, float[] delta, int[] rowStart, int[] rows, float[] dk, float[] dv) {
        this.items = sizes.keys() * sizes.kvHeads();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.group();
        this.headDim = sizes.dim();
        this.scale = (float) (1 / Math.sqrt(sizes.dim()));
        this.q = q;
        this.k = k;
        this.v = v;
        this.lse = lse;
        this.dout = dout;
        this.delta = delta;
        this.rowStart = rowStart;
        this.rows = rows;
        this.dk = dk;
        this.dv = dv;
    }

    @Override
    public void run() {
        int id = getGlobalId();
        if (id < items) {
            int s = id / kvHeads;
            int g = id - s * kvHeads;
            int keyAt = id * headDim;
            for (int d = 0; d < headDim; d++) {
                dk[keyAt + d] = 0f;
                dv[keyAt + d] = 0f;
            }
            for (int i = rowStart[s]; i < rowStart[s + 1]; i++) {
                int t = rows[i];
                for (int x = 0; x < groupSize; x++) {
                    int row = t * queryHeads + g * groupSize + x;
                    int queryAt = row * headDim;
                    float dot = 0f;
                    float dp = 0f;
                    for (int d = 0; d < headDim; d++) {
                        dot = dot + q[queryAt + d] * k[keyAt + d];
                        dp = dp + dout[queryAt + d] * v[keyAt + d];
                    }
                    float p = (float) exp((double) (dot * scale - lse[row]));
                    float ds = p * (dp - delta[row]);
                    for (int d = 0; d < headDim; d++) {
                        dv[keyAt + d] = dv[keyAt + d] + p * dout[queryAt + d];
                        dk[keyAt + d] = dk[keyAt + d] + ds * scale * q[queryAt + d];
                    }
                }
            }
        }
    }
}
