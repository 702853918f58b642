package org.sparsa.nsa.internal;

import com.aparapi.Kernel;

/**
 * NSA's forward on an OpenCL device, one work item per (query row {@code t}, kv head
 * {@code g}), item {@code t * Hkv + g}, doing every query head of the group: the compressed
 * branch of each head, the block choice, then the window and selected branches and the gated
 * output. The item writes only its own rows of every output, so no two items share a write.
 *
 * <p>Each branch is an online softmax over its keys, one score per key: the running maximum,
 * the double sum of the exponentials and the weighted sum of the values, accumulated in the
 * item's own row of {@code branches} and rescaled when a larger score arrives. After the
 * compressed branch, a second pass turns each compressed
 * score into {@code p = exp(score - lse)}, the probability the backward recomputes, and spreads
 * it onto the selection blocks it overlaps, in the item's row of the global scratch
 * {@code blockScores [T, Hkv, blocks]} (double, head by head, token by token ascending, as
 * {@link BlockSelection#addScores} sums). The choice then follows {@link BlockSelection#choose}:
 * forced initial and local blocks, the best-scoring others with ties to the lower id (a running
 * top list in the scratch {@code best [T, Hkv, n]}), the ids ascending and -1 padded.
 *
 * <p>The selected branch reads k and v, the window branch kWin and vWin, which may differ.
 * Scores are one fused multiply-add chain over the query times {@code 1/sqrt(D)}, ascending in
 * the dimension, the same routine every pass and the backward's kernels use. Aparapi translates
 * this class alone, so it holds its own copies of the range and score helpers.
 */
public final class NsaForwardKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] q = new float[1];
    private float[] k = new float[1];
    private float[] v = new float[1];
    private float[] kWin = new float[1];
    private float[] vWin = new float[1];
    private float[] kc = new float[1];
    private float[] vc = new float[1];
    private float[] gates = new float[1];
    private float[] o = new float[1];
    private float[] branches = new float[1];
    private float[] lse = new float[1];
    private int[] selected = new int[1];
    private int[] best = new int[1];
    private double[] blockScores = new double[1];
    private int items;
    private int queryHeads;
    private int kvHeads;
    private int groupSize;
    private int headDim;
    private int compressedTokens;
    private int blocks;
    private int blockLen;
    private int stride;
    private int selectBlock;
    private int selectCount;
    private int window;
    private int initBlocks;
    private int localBlocks;
    private float scale;
    /** Negative infinity, the log-sum-exp of an empty branch, handed in as a value. */
    private float emptyLse;

    /**
     * Sets the sizes and arrays of the next execute: inputs as {@link OpenClNsaKernel#forward}
     * takes them, outputs o, branches, lse and selected as {@link NsaKernel.Forward} lays them
     * out, and the scratch blockScores {@code [T, Hkv, blocks]} and best {@code [T, Hkv, n]}.
     */
    public void bind(NsaKernel.Sizes sizes, float[] q, float[] k, float[] v, float[] kWin,
            float[] vWin, float[] kc, float[] vc, float[] gates, float[] o, float[] branches,
            float[] lse, int[] selected, int[] best, double[] blockScores) {
        NsaParams params = sizes.params();
        this.items = sizes.length() * sizes.kvHeads();
        this.queryHeads = sizes.queryHeads();
        this.kvHeads = sizes.kvHeads();
        this.groupSize = sizes.group();
        this.headDim = sizes.dim();
        this.compressedTokens = sizes.compressed();
        this.blocks = sizes.blocks();
        this.blockLen = params.blockLen();
        this.stride = params.stride();
        this.selectBlock = params.selectBlock();
        this.selectCount = params.selectCount();
        this.window = params.window();
        this.initBlocks = params.initBlocks();
        this.localBlocks = params.localBlocks();
        this.scale = sizes.scale();
        this.emptyLse = Float.NEGATIVE_INFINITY;
        this.q = q;
        this.k = k;
        this.v = v;
        this.kWin = kWin;
        this.vWin = vWin;
        this.kc = kc;
        this.vc = vc;
        this.gates = gates;
        this.o = o;
        this.branches = branches;
        this.lse = lse;
        this.selected = selected;
        this.best = best;
        this.blockScores = blockScores;
    }

    @Override
    public void run() {
        int id = getGlobalId();
        if (id < items) {
            int t = id / kvHeads;
            int g = id - t * kvHeads;
            int scoreAt = id * blocks;
            for (int j = 0; j < blocks; j++) {
                blockScores[scoreAt + j] = 0.0;
            }
            int visible = visibleCompressed(t);
            for (int x = 0; x < groupSize; x++) {
                int row = t * queryHeads + g * groupSize + x;
                attend(0, t, g, row, id * selectCount);
                if (visible > 0) {
                    float rowLse = lse[row * 3];
                    int qAt = row * headDim;
                    for (int i = 0; i < visible; i++) {
                        float p = exp(keyScore(0, qAt, (i * kvHeads + g) * headDim) - rowLse);
                        addOverlaps(scoreAt, i, p);
                    }
                }
            }
            choose(t, id);
            for (int x = 0; x < groupSize; x++) {
                int row = t * queryHeads + g * groupSize + x;
                attend(2, t, g, row, id * selectCount);
                attend(1, t, g, row, id * selectCount);
                int gateAt = row * 3;
                int branchAt = row * 3 * headDim;
                int oAt = row * headDim;
                for (int d = 0; d < headDim; d++) {
                    double mixed = (double) gates[gateAt] * branches[branchAt + d]
                            + (double) gates[gateAt + 1] * branches[branchAt + headDim + d]
                            + (double) gates[gateAt + 2] * branches[branchAt + 2 * headDim + d];
                    o[oAt + d] = (float) mixed;
                }
            }
        }
    }

    /**
     * Branch {@code branch} (0 compressed, 1 selected, 2 window) of query row {@code row}: its
     * output into {@code branches} and its log-sum-exp into {@code lse}; zeros and the empty
     * log-sum-exp when it sees no key.
     */
    private void attend(int branch, int t, int g, int row, int selectedAt) {
        int qAt = row * headDim;
        int outAt = (row * 3 + branch) * headDim;
        int ranges = 1;
        if (branch == 1) {
            ranges = selectCount;
        }
        for (int d = 0; d < headDim; d++) {
            branches[outAt + d] = 0f;
        }
        float largest = emptyLse;
        double total = 0.0;
        int keys = 0;
        for (int c = 0; c < ranges; c++) {
            int end = rangeTo(branch, t, selectedAt, c);
            for (int s = rangeFrom(branch, t, selectedAt, c); s < end; s++) {
                int keyAt = (s * kvHeads + g) * headDim;
                float x = keyScore(branch, qAt, keyAt);
                if (x > largest) {
                    if (keys > 0) {
                        // Earlier terms were weighted against a smaller maximum.
                        float alpha = exp(largest - x);
                        total = total * alpha;
                        for (int d = 0; d < headDim; d++) {
                            branches[outAt + d] = branches[outAt + d] * alpha;
                        }
                    }
                    largest = x;
                }
                float w = exp(x - largest);
                total = total + w;
                addValue(branch, outAt, keyAt, w);
                keys++;
            }
        }
        lse[row * 3 + branch] = emptyLse;
        if (keys > 0) {
            double inverse = 1.0 / total;
            for (int d = 0; d < headDim; d++) {
                branches[outAt + d] = (float) (branches[outAt + d] * inverse);
            }
            lse[row * 3 + branch] = (float) (largest + log(total));
        }
    }

    /** As {@link BlockSelection#addScores} for compressed token i's probability p. */
    private void addOverlaps(int scoreAt, int i, float p) {
        int start = i * stride;
        int end = start + blockLen;
        int last = min((end - 1) / selectBlock, blocks - 1);
        for (int j = start / selectBlock; j <= last; j++) {
            int overlap = min(end, (j + 1) * selectBlock) - max(start, j * selectBlock);
            double weight = (double) overlap / (double) stride;
            blockScores[scoreAt + j] = blockScores[scoreAt + j] + (double) p * weight;
        }
    }

    /** As {@link BlockSelection#choose} for row t and the item's kv head. */
    private void choose(int t, int id) {
        int at = id * selectCount;
        int scoreAt = id * blocks;
        int current = t / selectBlock;
        int taken = 0;
        for (int j = 0; j <= current; j++) {
            taken = taken + forced(j, current);
        }
        int room = selectCount - taken;
        int kept = 0;
        for (int j = 0; j <= current; j++) {
            if (room > 0 && forced(j, current) == 0) {
                double score = blockScores[scoreAt + j];
                // The list is by descending score, ties in ascending id: j, the largest id yet,
                // goes after every entry scoring at least as much.
                int place = 0;
                for (int c = 0; c < kept; c++) {
                    if (blockScores[scoreAt + best[at + c]] >= score) {
                        place++;
                    }
                }
                if (place < room) {
                    for (int c = min(kept, room - 1); c > place; c--) {
                        best[at + c] = best[at + c - 1];
                    }
                    best[at + place] = j;
                    kept = min(kept + 1, room);
                }
            }
        }
        int out = at;
        for (int j = 0; j <= current; j++) {
            int take = forced(j, current);
            for (int c = 0; c < kept; c++) {
                if (best[at + c] == j) {
                    take = 1;
                }
            }
            if (take == 1) {
                selected[out] = j;
                out++;
            }
        }
        for (int c = out; c < at + selectCount; c++) {
            selected[c] = -1;
        }
    }

    /** 1 when block j is an initial or local block of a row in block current, else 0. */
    private int forced(int j, int current) {
        int isForced = 0;
        if (j < initBlocks) {
            isForced = 1;
        }
        if (j > current - localBlocks) {
            isForced = 1;
        }
        return isForced;
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

    /** The score of the query at qAt against the branch's key at keyAt. */
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

    /** {@code branches[outAt ..] += w * value}, the branch's value at keyAt. */
    private void addValue(int branch, int outAt, int keyAt, float w) {
        if (branch == 0) {
            for (int d = 0; d < headDim; d++) {
                branches[outAt + d] = fma(w, vc[keyAt + d], branches[outAt + d]);
            }
        }
        if (branch == 1) {
            for (int d = 0; d < headDim; d++) {
                branches[outAt + d] = fma(w, v[keyAt + d], branches[outAt + d]);
            }
        }
        if (branch == 2) {
            for (int d = 0; d < headDim; d++) {
                branches[outAt + d] = fma(w, vWin[keyAt + d], branches[outAt + d]);
            }
        }
    }
}
