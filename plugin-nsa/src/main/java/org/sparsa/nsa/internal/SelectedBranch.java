package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.core.attention.AttentionTiles;
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
 * <p>All the vectors (a row's query heads) that chose a block read it in one register-tiled
 * product ({@link AttentionTiles}), whose scores are the same chain of fused multiply-adds per
 * key as in every other pass, so the forward's probabilities and the backward's recomputed
 * {@code exp(score - lse)} match.
 */
final class SelectedBranch {
    private static final int STRIP = AttentionTiles.VECTORS_PER_STRIP;
    private static final int KEYS = AttentionTiles.KEYS_PER_STRIP;

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
     * What the forward of a range of rows holds for one kv head: per (row, slot), each query
     * head's scores of the slot's keys, then their exponentials; per (row, query head of the
     * group), the maximum, the sum and the weighted sum of values; and, for one block at a
     * time, the packed queries, scores, probabilities and output accumulators of the vectors
     * that read it.
     */
    static final class ForwardScratch {
        final float[][][] slots;
        final float[] maxima;
        final double[] totals;
        final float[][] sums;
        final float[] expScratch;
        final Choices choices;
        final float[] queries;
        final float[] scores;
        final float[] probabilities;
        final float[] acc;

        ForwardScratch(NsaKernel.Sizes sizes, int rows) {
            int count = sizes.params().selectCount();
            int blockLen = sizes.params().selectBlock();
            slots = new float[rows * count][sizes.group()][blockLen];
            maxima = new float[rows * sizes.group()];
            totals = new double[rows * sizes.group()];
            sums = new float[rows * sizes.group()][sizes.dim()];
            expScratch = new float[blockLen];
            choices = new Choices(sizes, rows);
            // A block is read by each row of the range at most once, with all heads of a group.
            int vectors = AttentionTiles.roundUp(rows * sizes.group(), STRIP);
            queries = new float[vectors * sizes.dim()];
            scores = new float[AttentionTiles.roundUp(blockLen + KEYS, KEYS) * vectors];
            probabilities = new float[blockLen * vectors];
            acc = new float[AttentionTiles.roundUp(sizes.dim(), KEYS) * vectors];
        }

        /** The scores of row r's slot c, {@code [G][l']}. */
        float[][] slot(int r, int c, int count) {
            return slots[r * count + c];
        }
    }

    /** The number of keys block {@code block} gives row t: its tokens up to t. */
    static int keys(int block, int t, int blockLen) {
        return Math.min(blockLen, t + 1 - block * blockLen);
    }

    /**
     * The selected branch's output and log-sum-exp of rows {@code [first, first + rows)} for the
     * query heads of kv head g, at {@code [r, Hq, 3, D]} and {@code [r, Hq, 3]} for r from
     * {@code firstRow} in {@code branches} and {@code lse}; q and selected are indexed from the
     * same row. The scores of each block for all the vectors (rows' query heads) that chose it,
     * one register-tiled product per block; each row's softmax over its slots; then each
     * block's values weighed for those vectors, again one product per block, the vectors'
     * sums carried from block to block in ascending order.
     *
     * @param keys the selected branch's keys packed by {@link AttentionTiles#packKeys}
     * @param values its values packed by {@link AttentionTiles#packValues}
     */
    static void forward(NsaKernel.Sizes sizes, int first, int firstRow, int rows, int g,
            float[] q, float[] keys, float[] values, int[] selected, ForwardScratch s,
            float[] branches, float[] lse) {
        NsaParams params = sizes.params();
        int count = params.selectCount();
        int blockLen = params.selectBlock();
        int hkv = sizes.kvHeads();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int dim = sizes.dim();
        int length = sizes.length();
        Choices choices = s.choices;
        choices.gather(selected, firstRow, rows, g, hkv);
        // The scores, block by block.
        for (int b = 0; b < choices.blocks(); b++) {
            int pairs = choices.first(b + 1) - choices.first(b);
            if (pairs == 0) {
                continue;
            }
            int stride = AttentionTiles.roundUp(pairs * group, STRIP);
            for (int i = 0; i < pairs; i++) {
                int r = choices.pair(choices.first(b) + i) / count;
                for (int x = 0; x < group; x++) {
                    AttentionTiles.packVector(q, ((firstRow + r) * hq + g * group + x) * dim,
                            sizes.scale(), dim, s.queries, i * group + x);
                }
            }
            int blockFrom = b * blockLen;
            int keyFrom = blockFrom - blockFrom % KEYS;
            AttentionTiles.scores(keys, length, g, dim, keyFrom,
                    Math.min(length, blockFrom + blockLen), s.queries, stride / STRIP,
                    s.scores, stride);
            for (int i = 0; i < pairs; i++) {
                int pair = choices.pair(choices.first(b) + i);
                int r = pair / count;
                float[][] slot = s.slot(r, pair % count, count);
                int n = keys(b, first + r, blockLen);
                for (int x = 0; x < group; x++) {
                    float[] scores = slot[x];
                    int at = (blockFrom - keyFrom) * stride + i * group + x;
                    for (int j = 0; j < n; j++) {
                        scores[j] = s.scores[at + j * stride];
                    }
                }
            }
        }
        // Each row's softmax over its slots, in slot order.
        for (int r = 0; r < rows; r++) {
            int t = first + r;
            int at = ((firstRow + r) * hkv + g) * count;
            for (int x = 0; x < group; x++) {
                int row = r * group + x;
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < count && selected[at + c] >= 0; c++) {
                    max = Math.max(max, NsaKernel.max(s.slot(r, c, count)[x], 0,
                            keys(selected[at + c], t, blockLen)));
                }
                double total = 0;
                for (int c = 0; c < count && selected[at + c] >= 0; c++) {
                    float[] w = s.slot(r, c, count)[x];
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
            int pairs = choices.first(b + 1) - choices.first(b);
            if (pairs == 0) {
                continue;
            }
            weighBlock(sizes, first, g, b, pairs, values, s);
        }
        for (int r = 0; r < rows; r++) {
            for (int x = 0; x < group; x++) {
                int row = r * group + x;
                int out = (firstRow + r) * hq + g * group + x;
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

    /**
     * Block b's values weighed by the probabilities of the vectors that chose it, added to
     * their sums: the sums and probabilities packed for one product, which reads the block's
     * keys in ascending order, and the sums put back. A row's keys past t weigh zero.
     */
    private static void weighBlock(NsaKernel.Sizes sizes, int first, int g, int b, int pairs,
            float[] values, ForwardScratch s) {
        int count = sizes.params().selectCount();
        int blockLen = sizes.params().selectBlock();
        int group = sizes.group();
        int dim = sizes.dim();
        int blockFrom = b * blockLen;
        int depth = Math.min(sizes.length(), blockFrom + blockLen) - blockFrom;
        int stride = AttentionTiles.roundUp(pairs * group, STRIP);
        for (int i = 0; i < pairs; i++) {
            int pair = s.choices.pair(s.choices.first(b) + i);
            int r = pair / count;
            float[][] slot = s.slot(r, pair % count, count);
            int n = keys(b, first + r, blockLen);
            for (int x = 0; x < group; x++) {
                int v = i * group + x;
                int at = v / STRIP * depth * STRIP + v % STRIP;
                float[] p = slot[x];
                for (int j = 0; j < depth; j++) {
                    s.probabilities[at + j * STRIP] = j < n ? p[j] : 0f;
                }
                float[] sum = s.sums[r * group + x];
                for (int d = 0; d < dim; d++) {
                    s.acc[d * stride + v] = sum[d];
                }
            }
        }
        AttentionTiles.accumulate(values, sizes.length(), g, dim, blockFrom,
                blockFrom + depth, s.probabilities, stride / STRIP, s.acc, stride, false);
        for (int i = 0; i < pairs; i++) {
            int r = s.choices.pair(s.choices.first(b) + i) / count;
            for (int x = 0; x < group; x++) {
                float[] sum = s.sums[r * group + x];
                for (int d = 0; d < dim; d++) {
                    sum[d] = s.acc[d * stride + i * group + x];
                }
            }
        }
    }

    /**
     * What the query side of the backward holds for one block at a time: the packed queries
     * and douts of the vectors that chose it, their scores and {@code dout . v}, their score
     * gradients packed for the dq product and their dq accumulators; and one vector's
     * probabilities and score gradients.
     */
    static final class BackwardScratch {
        final float[] queries;
        final float[] douts;
        final float[] scores;
        final float[] dots;
        final float[] gradients;
        final float[] acc;
        final float[] p;
        final float[] ds;
        final float[] expScratch;
        final Choices choices;

        BackwardScratch(NsaKernel.Sizes sizes, int rows) {
            int blockLen = sizes.params().selectBlock();
            int vectors = AttentionTiles.roundUp(rows * sizes.group(), STRIP);
            queries = new float[vectors * sizes.dim()];
            douts = new float[vectors * sizes.dim()];
            scores = new float[AttentionTiles.roundUp(blockLen + KEYS, KEYS) * vectors];
            dots = new float[scores.length];
            gradients = new float[blockLen * vectors];
            acc = new float[AttentionTiles.roundUp(sizes.dim(), KEYS) * vectors];
            p = new float[blockLen];
            ds = new float[blockLen];
            expScratch = new float[blockLen];
            choices = new Choices(sizes, rows);
        }
    }

    /**
     * The selected branch's share of dq for rows {@code [first, first + rows)} and the query
     * heads of kv head g, unscaled (times {@code 1/sqrt(D)} gives it), added to {@code dq}
     * (indexed {@code [r * G + x][d]} from the range's first row). Block by block, as the
     * forward: the block's scores and {@code dout . v} for all the vectors that chose it as two
     * products, each vector's probabilities and score gradients on its keys up to t, then
     * {@code dq += sum_s ds_s k_s} as one product over the block's keys, the vectors' sums
     * carried from block to block.
     *
     * @param keys the selected branch's keys packed by {@link AttentionTiles#packKeys}
     * @param dotValues its values packed the same way, for {@code dout . v}
     * @param keyValues its keys packed by {@link AttentionTiles#packValues}, for dq
     */
    static void queryGradients(NsaKernel.Sizes sizes, int first, int rows, int g, float[] q,
            float[] dout, float[] keys, float[] dotValues, float[] keyValues, int[] selected,
            float[] gates, float[] lse, double[] delta, BackwardScratch s, float[][] dq) {
        NsaParams params = sizes.params();
        int count = params.selectCount();
        int blockLen = params.selectBlock();
        int hkv = sizes.kvHeads();
        int hq = sizes.queryHeads();
        int group = sizes.group();
        int dim = sizes.dim();
        int length = sizes.length();
        Choices choices = s.choices;
        choices.gather(selected, first, rows, g, hkv);
        for (int b = 0; b < choices.blocks(); b++) {
            int pairs = choices.first(b + 1) - choices.first(b);
            if (pairs == 0) {
                continue;
            }
            int stride = AttentionTiles.roundUp(pairs * group, STRIP);
            int blockFrom = b * blockLen;
            int keyFrom = blockFrom - blockFrom % KEYS;
            int depth = Math.min(length, blockFrom + blockLen) - blockFrom;
            for (int i = 0; i < pairs; i++) {
                int r = choices.pair(choices.first(b) + i) / count;
                for (int x = 0; x < group; x++) {
                    int at = ((first + r) * hq + g * group + x) * dim;
                    int v = i * group + x;
                    AttentionTiles.packVector(q, at, sizes.scale(), dim, s.queries, v);
                    AttentionTiles.packVector(dout, at, 1f, dim, s.douts, v);
                    float[] sum = dq[r * group + x];
                    for (int d = 0; d < dim; d++) {
                        s.acc[d * stride + v] = sum[d];
                    }
                }
            }
            AttentionTiles.scores(keys, length, g, dim, keyFrom, blockFrom + depth,
                    s.queries, stride / STRIP, s.scores, stride);
            AttentionTiles.scores(dotValues, length, g, dim, keyFrom, blockFrom + depth,
                    s.douts, stride / STRIP, s.dots, stride);
            for (int i = 0; i < pairs; i++) {
                int pair = choices.pair(choices.first(b) + i);
                int t = first + pair / count;
                int n = keys(b, t, blockLen);
                for (int x = 0; x < group; x++) {
                    int v = i * group + x;
                    int rowAt = (t * hq + g * group + x) * 3 + NsaKernel.SLC;
                    int at = (blockFrom - keyFrom) * stride + v;
                    for (int j = 0; j < n; j++) {
                        s.p[j] = s.scores[at + j * stride] - lse[rowAt];
                    }
                    VectorExp.exp(s.p, 0, n, 0f, s.expScratch);
                    float gate = gates[rowAt];
                    float rowDelta = (float) delta[rowAt];
                    for (int j = 0; j < n; j++) {
                        s.ds[j] = s.p[j] * (gate * s.dots[at + j * stride] - rowDelta);
                    }
                    int to = v / STRIP * depth * STRIP + v % STRIP;
                    for (int j = 0; j < depth; j++) {
                        s.gradients[to + j * STRIP] = j < n ? s.ds[j] : 0f;
                    }
                }
            }
            AttentionTiles.accumulate(keyValues, length, g, dim, blockFrom,
                    blockFrom + depth, s.gradients, stride / STRIP, s.acc, stride, false);
            for (int i = 0; i < pairs; i++) {
                int r = choices.pair(choices.first(b) + i) / count;
                for (int x = 0; x < group; x++) {
                    float[] sum = dq[r * group + x];
                    for (int d = 0; d < dim; d++) {
                        sum[d] = s.acc[d * stride + i * group + x];
                    }
                }
            }
        }
    }
}
