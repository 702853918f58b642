package org.sparsa.nsa.internal;

import com.aparapi.Kernel;

/**
 * The query side of NSA's backward on an OpenCL device, one work item per (query row
 * {@code t}, kv head {@code g}), item {@code t * Hkv + g}, doing every query head of the group:
 * the gate gradients {@code dgates = dout . branch}, the row terms
 * {@code delta = gate * (dout . branch)} the key-side kernels read, and dq, summed over the
 * compressed, selected and window keys of the forward in that order. Probabilities are
 * recomputed as {@code exp(score - lse)} from the forward's log-sum-exp with the forward kernel's
 * score routine. The item writes only its own rows of dq, dgates and delta.
 */
public final class NsaQueryGradientKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private float[] kWin = new float[1];
    private float[] vWin = new float[1];
    private float[] kc = new float[1];
    private float[] vc = new float[1];
    private float[] gates = new float[1];
    private float[] branches = new float[1];
    private float[] lse = new float[1];
    private int[] selected = new int[1];
    private float[] dout = new float[1];
    private float[] dq = new float[1];
    private float[] dgates = new float[1];
    private float[] delta = new float[1];
    private int items;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private int compressedTokens;
    private int blockLen;
    private int stride;
    private int selectBlock;
    private int selectCount;
    private int window;
    private float scale;

    /**
     * Sets the sizes and arrays of the next execute: the forward's inputs, its branches, lse
     * and selected ids, and dout {@code [T, Hq, D]} in; dq {@code [T, Hq, D]}, dgates and
     * delta {@code [T, Hq, 3]} out.
     */
    public void bind(NsaKernel.Sizes sizes, float[] q, float[] k, float[] v, float[] kWin,
            float[] vWin, float[] kc, float[] vc, float[] gates, float[] branches, float[] lse,
            int[] selected, float[] dout, float[] dq, float[] dgates, float[] delta) {
        NsaParams params = sizes.params();
        this.items = sizes.length() * sizes.kvHeads();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.group();
        this.headDim = sizes.dim();
        this.compressedTokens = sizes.compressed();
        this.blockLen = params.blockLen();
        this.stride = params.stride();
        this.selectBlock = params.selectBlock();
        this.selectCount = params.selectCount();
        this.window = params.window();
        this.scale = sizes.scale();
        this.q = q;
        this.k = k;
        this.v = v;
        this.kWin = kWin;
        this.vWin = vWin;
        this.kc = kc;
        this.vc = vc;
        this.gates = gates;
        this.branches = branches;
        this.lse = lse;
        this.selected = selected;
        this.dout = dout;
        this.dq = dq;
        this.dgates = dgates;
        this.delta = delta;
    }

    @Override
    public void run() {
        int id = getGlobalId();
        if (id < items) {
            int t = id / kvHeads;
            int g = id - t * kvHeads;
            for (int x = 0; x < groupSize; x++) {
                int row = t * queryHeads + g * groupSize + x;
                int qAt = row * headDim;
                for (int b = 0; b < 3; b++) {
                    double dot = 0.0;
                    int branchAt = (row * 3 + b) * headDim;
                    for (int d = 0; d < headDim; d++) {
                        dot = dot + (double) dout[qAt + d] * branches[branchAt + d];
                    }
                    dgates[row * 3 + b] = (float) dot;
                    delta[row * 3 + b] = (float) (gates[row * 3 + b] * dot);
                }
                for (int d = 0; d < headDim; d++) {
                    dq[qAt + d] = 0f;
                }
                for (int b = 0; b < 3; b++) {
                    addQueryShares(b, t, g, row, id * selectCount);
                }
                for (int d = 0; d < headDim; d++) {
                    dq[qAt + d] = dq[qAt + d] * scale;
                }
            }
        }
    }

    /** Adds branch b's score gradients times its keys to row's dq, before the scale. */
    private void addQueryShares(int branch, int t, int g, int row, int selectedAt) {
        int qAt = row * headDim;
        float gate = gates[row * 3 + branch];
        float rowLse = lse[row * 3 + branch];
        float rowDelta = delta[row * 3 + branch];
        int ranges = 1;
        if (branch == 1) {
            ranges = selectCount;
        }
        for (int c = 0; c < ranges; c++) {
            int end = rangeTo(branch, t, selectedAt, c);
            for (int s = rangeFrom(branch, t, selectedAt, c); s < end; s++) {
                int keyAt = (s * kvHeads + g) * headDim;
                float p = exp(keyScore(branch, qAt, keyAt) - rowLse);
                float ds = p * (gate * valueDot(branch, qAt, keyAt) - rowDelta);
                addKey(branch, qAt, keyAt, ds);
            }
        }
    }

    /** The number of compressed tokens row t sees: whole blocks in its past. */
    private int visibleCompressed(int t) {
        int last = t - blockLen + 1;
        int visible = 0;
        if (last >= 0) {
            visible = min(compressedTokens, last / stride + 1);
        }
        return visible;
    }

    /** The first key of range c of a branch of row t. */
    private int rangeFrom(int branch, int t, int selectedAt, int c) {
        int from = 0;
        if (branch == 2) {
            from = max(0, t - window + 1);
        }
        if (branch == 1) {
            int block = selected[selectedAt + c];
            if (block >= 0) {
                from = block * selectBlock;
            }
        }
        return from;
    }

    /** The end (exclusive) of range c of a branch of row t; the start where it is empty. */
    private int rangeTo(int branch, int t, int selectedAt, int c) {
        int to = 0;
        if (branch == 0) {
            to = visibleCompressed(t);
        }
        if (branch == 2) {
            to = t + 1;
        }
        if (branch == 1) {
            int block = selected[selectedAt + c];
            if (block >= 0) {
                to = min((block + 1) * selectBlock, t + 1);
            }
        }
        return to;
    }

    /** The score of the query at qAt against the branch's key at keyAt, as the forward's. */
    private float keyScore(int branch, int qAt, int keyAt) {
        float sum = 0f;
        if (branch == 0) {
            for (int d = 0; d < headDim; d++) {
                sum = fma(q[qAt + d] * scale, kc[keyAt + d], sum);
            }
        }
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
        if (branch == 0) {
            for (int d = 0; d < headDim; d++) {
                sum = fma(dout[qAt + d], vc[keyAt + d], sum);
            }
        }
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

    /** {@code dq[row] += ds * key}, the branch's key at keyAt. */
    private void addKey(int branch, int qAt, int keyAt, float ds) {
        if (branch == 0) {
            for (int d = 0; d < headDim; d++) {
                dq[qAt + d] = fma(ds, kc[keyAt + d], dq[qAt + d]);
            }
        }
        if (branch == 1) {
            for (int d = 0; d < headDim; d++) {
                dq[qAt + d] = fma(ds, k[keyAt + d], dq[qAt + d]);
            }
        }
        if (branch == 2) {
            for (int d = 0; d < headDim; d++) {
                dq[qAt + d] = fma(ds, kWin[keyAt + d], dq[qAt + d]);
            }
        }
    }
}
