package org.sparsa.nsa.internal;

import com.aparapi.Kernel;

/**
 * The key side of NSA's backward on an OpenCL device, one work item per (key {@code s}, kv
 * head {@code g}), item {@code s * Hkv + g}: the key's selected-branch gradients dk and dv
 * gather from the rows that selected its block {@code s / l'}, read from an inverted index
 * {@code rowStart [Hkv * blocks + 1]}, {@code rows} (per (kv head, block) the selecting rows
 * ascending), and its window gradients dkWin and dvWin from the rows whose window covers it,
 * {@code t in [s, s + w)} ascending. Within a row the query heads of the group go in order, so
 * every sum runs in an order fixed by the data alone. Probabilities are recomputed as
 * {@code exp(score - lse)} with the forward kernel's score routine; the row terms {@code delta}
 * come from {@link NsaQueryGradientKernel}. The item writes only its key's rows.
 */
public final class NsaKeyGradientKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private float[] kWin = new float[1];
    private float[] vWin = new float[1];
    private float[] gates = new float[1];
    private float[] lse = new float[1];
    private float[] dout = new float[1];
    private float[] delta = new float[1];
    private int[] rowStart = new int[1];
    private int[] rows = new int[1];
    private float[] dk = new float[1];
    private float[] dv = new float[1];
    private float[] dkWin = new float[1];
    private float[] dvWin = new float[1];
    private int items;
    private int length;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private int blocks;
    private int selectBlock;
    private int window;
    private float scale;

    /**
     * Sets the sizes and arrays of the next execute: q, dout {@code [T, Hq, D]}, k, v, kWin,
     * vWin {@code [T, Hkv, D]}, gates, lse, delta {@code [T, Hq, 3]} and the inverted index
     * in; dk, dv, dkWin, dvWin {@code [T, Hkv, D]} out.
     */
    public void bind(NsaKernel.Sizes sizes, float[] q, float[] k, float[] v, float[] kWin,
            float[] vWin, float[] gates, float[] lse, float[] dout, float[] delta,
            int[] rowStart, int[] rows, float[] dk, float[] dv, float[] dkWin, float[] dvWin) {
        NsaParams params = sizes.params();
        this.items = sizes.length() * sizes.kvHeads();
        this.length = sizes.length();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.group();
        this.headDim = sizes.dim();
        this.blocks = sizes.blocks();
        this.selectBlock = params.selectBlock();
        this.window = params.window();
        this.scale = sizes.scale();
        this.q = q;
        this.k = k;
        this.v = v;
        this.kWin = kWin;
        this.vWin = vWin;
        this.gates = gates;
        this.lse = lse;
        this.dout = dout;
        this.delta = delta;
        this.rowStart = rowStart;
        this.rows = rows;
        this.dk = dk;
        this.dv = dv;
        this.dkWin = dkWin;
        this.dvWin = dvWin;
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
                dkWin[keyAt + d] = 0f;
                dvWin[keyAt + d] = 0f;
            }
            int list = g * blocks + s / selectBlock;
            for (int at = rowStart[list]; at < rowStart[list + 1]; at++) {
                int t = rows[at];
                if (t >= s) {
                    addRowShares(1, t, g, keyAt);
                }
            }
            int lastRow = min(length, s + window);
            for (int t = s; t < lastRow; t++) {
                addRowShares(2, t, g, keyAt);
            }
        }
    }

    /** Row t's shares, every query head of group g, in branch b's gradients of the key. */
    private void addRowShares(int branch, int t, int g, int keyAt) {
        for (int x = 0; x < groupSize; x++) {
            int row = t * queryHeads + g * groupSize + x;
            int qAt = row * headDim;
            float gate = gates[row * 3 + branch];
            float p = exp(keyScore(branch, qAt, keyAt) - lse[row * 3 + branch]);
            float ds = p * (gate * valueDot(branch, qAt, keyAt) - delta[row * 3 + branch]);
            float share = p * gate;
            if (branch == 1) {
                for (int d = 0; d < headDim; d++) {
                    dk[keyAt + d] = fma(ds, q[qAt + d] * scale, dk[keyAt + d]);
                    dv[keyAt + d] = fma(share, dout[qAt + d], dv[keyAt + d]);
                }
            }
            if (branch == 2) {
                for (int d = 0; d < headDim; d++) {
                    dkWin[keyAt + d] = fma(ds, q[qAt + d] * scale, dkWin[keyAt + d]);
                    dvWin[keyAt + d] = fma(share, dout[qAt + d], dvWin[keyAt + d]);
                }
            }
        }
    }

    /** The score of the query at qAt against the branch's key at keyAt, as the forward's. */
    private float keyScore(int branch, int qAt, int keyAt) {
        float sum = 0f;
        if (branch == 1) {
            for (int d = 0; d < headDim; d++) {
                sum = fma(q[qAt + d] * scale, k[keyAt + d], sum);
            }
        }
        if (branch == 2) {
            for (int d = 0; d < headDim; d++) {
                sum = fma(q[qAt + d] * scale, kWin[keyAt + d], sum);
            }
        }
        return sum;
    }

    /** {@code dout[row] . value}, the branch's value at keyAt. */
    private float valueDot(int branch, int qAt, int keyAt) {
        float sum = 0f;
        if (branch == 1) {
            for (int d = 0; d < headDim; d++) {
                sum = fma(dout[qAt + d], v[keyAt + d], sum);
            }
        }
        if (branch == 2) {
            for (int d = 0; d < headDim; d++) {
                sum = fma(dout[qAt + d], vWin[keyAt + d], sum);
            }
        }
        return sum;
    }
}
