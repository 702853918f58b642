package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.core.attention.VectorExp;

/**
 * NSA's selected branch over a range of query rows, worked block by block instead of row by
 * row: the forward, and the query side of the backward (dq, and what the key side keeps).
 *
 * <p>A row's selected blocks lie anywhere in the sequence, so row by row each block is fetched
 * from memory for the one row that reads it, and at long lengths that fetching, not the
 * arithmetic, is the branch's cost. Here the range's (row, slot) pairs are gathered by block
 * ({@link Choices}), and every row that chose a block reads it while it is in the cache.
 * Blocks are visited in ascending order and a row's slots ascend, so each row's sums still run
 * over its keys in ascending order: a row's results do not depend on which rows share its
 * range, which keeps the forward of a few rows (decoding) bit for bit the whole sequence's.
 *
 * <p>Scores come from {@link BlockColumns} by the score routine of every other pass, the same
 * chain of fused multiply-adds per key, so the forward's probabilities and the backward's
 * recomputed {@code exp(score - lse)} match, and a slot whose block lies inside the row's
 * window (when the two branches share keys) may take the window's scores instead.
 */
final class SelectedBranch {
    private SelectedBranch() {
    }

    /**
     * The (row, slot) pairs of a range of rows that chose each block, for one kv head: blocks
     * ascending, rows ascending within a block.
     */
    static final class Choices {
        private final int[] start;
        private final int[] fill;
        private final int[] pairs;
        private final int count;

        Choices(NsaKernel.Sizes sizes, int rows) {
            count = sizes.params().selectCount();
            start = new int[sizes.blocks() + 1];
            fill = new int[sizes.blocks()];
            pairs = new int[rows * count];
        }

        /**
         * Gathers the choices of kv head g in rows {@code [0, rows)} of {@code selected}
         * ({@code [rows, Hkv, n]} from {@code firstRow}).
         */
        void gather(int[] selected, int firstRow, int rows, int g, int hkv) {
            Arrays.fill(start, 0);
            for (int r = 0; r < rows; r++) {
                int at = ((firstRow + r) * hkv + g) * count;
                for (int c = 0; c < count; c++) {
                    int block = selected[at + c];
                    if (block >= 0) {
                        start[block + 1]++;
                    }
                }
            }
            for (int b = 0; b < fill.length; b++) {
                start[b + 1] += start[b];
            }
            System.arraycopy(start, 0, fill, 0, fill.length);
            for (int r = 0; r < rows; r++) {
                int at = ((firstRow + r) * hkv + g) * count;
                for (int c = 0; c < count; c++) {
                    int block = selected[at + c];
                    if (block >= 0) {
                        pairs[fill[block]++] = r * count + c;
                    }
                }
            }
        }

        int blocks() {
            return fill.length;
        }

        /** The pairs of block b: {@code [first(b), first(b + 1))}. */
        int first(int b) {
            return start[b];
        }

        /** Pair i as {@code row * n + slot}. */
        int pair(int i) {
            return pairs[i];
        }
    }

    /**
     * What the forward of a range of rows holds: per (row, kv head, slot), each query head's
     * scores of the slot's keys, then their exponentials; whether the window already gave
     * them; per (row, query head), the maximum, the sum and the weighted sum of values.
     */
    static final class ForwardScratch {
        final float[][][] slots;
        final boolean[] scored;
        final float[] maxima;
        final double[] totals;
        final float[][] sums;
        final float[][] queries;
        final float[] expScratch;
        final Choices choices;

        ForwardScratch(NsaKernel.Sizes sizes, int rows) {
            int count = sizes.params().selectCount();
            int pairs = rows * sizes.kvHeads() * count;
            slots = new float[pairs][sizes.group()][sizes.params().selectBlock()];
            scored = new boolean[pairs];
            maxima = new float[rows * sizes.queryHeads()];
            totals = new double[rows * sizes.queryHeads()];
            sums = new float[rows * sizes.queryHeads()][sizes.dim()];
            queries = new float[sizes.group()][sizes.dim()];
            expScratch = new float[sizes.params().selectBlock()];
            choices = new Choices(sizes, rows);
        }

        /** The scores of row r's slot c for kv head g, {@code [G][l']}. */
        float[][] slot(int r, int g, int c, int hkv, int count) {
            return slots[(r * hkv + g) * count + c];
        }
    }

    /** The number of keys block {@code block} gives row t: its tokens up to t. */
    static int keys(int block, int t, int blockLen) {
        return Math.min(blockLen, t + 1 - block * blockLen);
    }

    /**
     * Takes the scores of the window branch, which row t has just left in
     * {@code scores[first + x]} (x its query heads of kv head g) at their keys' indices, for
     * those of its slots whose keys all lie in {@code [windowFrom, t]}.
     *
     * @param r the row's index in its range
     * @param firstRow the index of the range's first row in {@code selected}
     */
    static void takeWindowScores(NsaKernel.Sizes sizes, int t, int r, int g, int[] selected,
            int firstRow, int windowFrom, float[][] scores, int first, ForwardScratch s) {
        int count = sizes.params().selectCount();
        int blockLen = sizes.params().selectBlock();
        int hkv = sizes.kvHeads();
        for (int c = 0; c < count; c++) {
            int block = selected[((firstRow + r) * hkv + g) * count + c];
            int from = block * blockLen;
            if (block < 0 || from < windowFrom) {
                continue;
            }
            int n = keys(block, t, blockLen);
            float[][] slot = s.slot(r, g, c, hkv, count);
            for (int x = 0; x < slot.length; x++) {
                System.arraycopy(scores[first + x], from, slot[x], 0, n);
            }
            s.scored[(r * hkv + g) * count + c] = true;
        }
    }

    /**
     * The selected branch's output and log-sum-exp of rows {@code [first, first + rows)}, at
     * {@code [r, Hq, 3, D]} and {@code [r, Hq, 3]} for r from {@code firstRow} in
     * {@code branches} and {@code lse}; q and selected are indexed from the same row.
     */
    static void forward(NsaKernel.Sizes sizes, int first, int firstRow, int rows, float[] q,
            BlockColumns keys, float[][] values, int[] selected, ForwardScratch s,
            float[] branches, float[] lse) {
        NsaParams params = sizes.params();
        int count = params.selectCount();
        int blockLen = params.selectBlock();
        int hkv = sizes.kvHeads();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int dim = sizes.dim();
        Choices choices = s.choices;
        for (int g = 0; g < hkv; g++) {
            choices.gather(selected, firstRow, rows, g, hkv);
            // The scores, block by block.
            for (int b = 0; b < choices.blocks(); b++) {
                for (int i = choices.first(b); i < choices.first(b + 1); i++) {
                    int r = choices.pair(i) / count;
                    int c = choices.pair(i) % count;
                    if (s.scored[(r * hkv + g) * count + c]) {
                        continue;
                    }
                    int t = first + r;
                    NsaKernel.loadRows(q, ((firstRow + r) * hq + g * group) * dim, group, dim,
                            sizes.scale(), s.queries);
                    NsaKernel.blockScores(s.queries, group, keys.columns(), keys.base(g, b),
                            dim, keys(b, t, blockLen), s.slot(r, g, c, hkv, count));
                }
            }
            // Each row's softmax over its slots, in slot order.
            for (int r = 0; r < rows; r++) {
                int t = first + r;
                int at = ((firstRow + r) * hkv + g) * count;
                for (int x = 0; x < group; x++) {
                    int row = r * hq + g * group + x;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int c = 0; c < count && selected[at + c] >= 0; c++) {
                        max = Math.max(max, NsaKernel.max(s.slot(r, g, c, hkv, count)[x], 0,
                                keys(selected[at + c], t, blockLen)));
                    }
                    double total = 0;
                    for (int c = 0; c < count && selected[at + c] >= 0; c++) {
                        float[] w = s.slot(r, g, c, hkv, count)[x];
                        int n = keys(selected[at + c], t, blockLen);
                        VectorExp.exp(w, 0, n, max, s.expScratch);
                        total += NsaKernel.sum(w, 0, n);
                    }
                    s.maxima[row] = max;
                    s.totals[row] = total;
                    Arrays.fill(s.sums[row], 0f);
                }
            }
            // The weighted sums of the values, block by block.
            for (int b = 0; b < choices.blocks(); b++) {
                for (int i = choices.first(b); i < choices.first(b + 1); i++) {
                    int r = choices.pair(i) / count;
                    int c = choices.pair(i) % count;
                    int row = r * hq + g * group;
                    NsaKernel.weightedRange(s.slot(r, g, c, hkv, count), 0, group, values, hkv,
                            g, b * blockLen, b * blockLen + keys(b, first + r, blockLen),
                            s.sums, row);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < hq; h++) {
                int row = r * hq + h;
                int out = (firstRow + r) * hq + h;
                int at = (out * 3 + NsaKernel.SLC) * dim;
                if (s.totals[row] == 0) {
                    // No block, or none with a key yet: the branch sees nothing.
                    Arrays.fill(branches, at, at + dim, 0f);
                    lse[out * 3 + NsaKernel.SLC] = Float.NEGATIVE_INFINITY;
                    continue;
                }
                double inverse = 1 / s.totals[row];
                float[] sum = s.sums[row];
                for (int d = 0; d < dim; d++) {
                    branches[at + d] = (float) (sum[d] * inverse);
                }
                lse[out * 3 + NsaKernel.SLC] = (float) (s.maxima[row] + Math.log(s.totals[row]));
            }
        }
    }

    /** What the query side of the backward holds for one (row, slot) at a time. */
    static final class BackwardScratch {
        final float[][] queries;
        final float[][] douts;
        final float[][] p;
        final float[][] ds;
        final float[] expScratch;
        final Choices choices;

        BackwardScratch(NsaKernel.Sizes sizes, int rows) {
            int group = sizes.group();
            int blockLen = sizes.params().selectBlock();
            queries = new float[group][sizes.dim()];
            douts = new float[group][sizes.dim()];
            p = new float[group][blockLen];
            ds = new float[group][blockLen];
            expScratch = new float[blockLen];
            choices = new Choices(sizes, rows);
        }
    }

    /**
     * The selected branch's share of dq for rows {@code [first, first + rows)}, unscaled (times
     * {@code 1/sqrt(D)} gives it), added to {@code dq} (indexed {@code [r * Hq + h][d]} from
     * the range's first row), and each pair's {@code p * gate} and score gradients given to
     * {@code kept} when there is one.
     */
    static void queryGradients(NsaKernel.Sizes sizes, int first, int rows, float[] q,
            float[] dout, BlockColumns keys, BlockColumns values, float[][] kRows,
            int[] selected, float[] gates, float[] lse, double[] delta, NsaKernel.Kept kept,
            BackwardScratch s, float[][] dq) {
        NsaParams params = sizes.params();
        int count = params.selectCount();
        int blockLen = params.selectBlock();
        int hkv = sizes.kvHeads();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int dim = sizes.dim();
        Choices choices = s.choices;
        for (int g = 0; g < hkv; g++) {
            choices.gather(selected, first, rows, g, hkv);
            for (int b = 0; b < choices.blocks(); b++) {
                for (int i = choices.first(b); i < choices.first(b + 1); i++) {
                    int r = choices.pair(i) / count;
                    int c = choices.pair(i) % count;
                    int t = first + r;
                    int n = keys(b, t, blockLen);
                    int head0 = g * group;
                    int qAt = (t * hq + head0) * dim;
                    NsaKernel.loadRows(q, qAt, group, dim, sizes.scale(), s.queries);
                    NsaKernel.loadRows(dout, qAt, group, dim, 1f, s.douts);
                    NsaKernel.blockScores(s.queries, group, keys.columns(), keys.base(g, b),
                            dim, n, s.p);
                    NsaKernel.blockScores(s.douts, group, values.columns(),
                            values.base(g, b), dim, n, s.ds);
                    for (int x = 0; x < group; x++) {
                        int rowAt = (t * hq + head0 + x) * 3 + NsaKernel.SLC;
                        float[] p = s.p[x];
                        float[] ds = s.ds[x];
                        float gate = gates[rowAt];
                        float rowDelta = (float) delta[rowAt];
                        VectorExp.exp(p, 0, n, lse[rowAt], s.expScratch);
                        for (int j = 0; j < n; j++) {
                            ds[j] = p[j] * (gate * ds[j] - rowDelta);
                        }
                        if (kept != null) {
                            kept.keepSelected(t, head0 + x, c * blockLen, n, p, ds, gate);
                        }
                    }
                    NsaKernel.weightedRange(s.ds, 0, group, kRows, hkv, g, b * blockLen,
                            b * blockLen + n, dq, r * hq + head0);
                }
            }
        }
    }
}
