package org.sparsa.nsa.internal;

import java.util.Arrays;

/**
 * NSA's choice of selection blocks (steps 3 and 4 of the spec), one query row and kv head at a
 * time, shared by {@link NsaReference} and {@link NsaKernel} so both choose from the same code.
 *
 * <p>A row's scores are the overlap-weighted compressed probabilities summed over the query heads
 * of the group; the choice takes the forced initial and local blocks, then the best-scoring
 * other selectable blocks with ties to the lower id. Scores are summed in double, head by head and
 * compressed token by token in ascending order, so equal probabilities give equal scores and
 * equal choices wherever they are computed.
 */
final class BlockSelection {

    private BlockSelection() {
    }

    /**
     * Step 3 for one row and one query head: {@code scores[j] += sum_i p[i] * overlap(i, j) / d},
     * the overlap counted in keys between compressed token i and selection block j. Only the
     * blocks a compressed token overlaps are visited; the others would add an exact zero.
     *
     * @param p the head's compressed probabilities, read from {@code p[from .. from + count)}
     * @param scores the row's scores, one per selection block, added to
     */
    static void addScores(float[] p, int from, int count, NsaParams params, double[] scores) {
        int stride = params.stride();
        int blockLen = params.blockLen();
        int selectBlock = params.selectBlock();
        for (int i = 0; i < count; i++) {
            double probability = p[from + i];
            int start = i * stride;
            int end = start + blockLen;
            int last = Math.min((end - 1) / selectBlock, scores.length - 1);
            for (int j = start / selectBlock; j <= last; j++) {
                int overlap = Math.min(end, (j + 1) * selectBlock)
                        - Math.max(start, j * selectBlock);
                scores[j] += probability * (overlap / (double) stride);
            }
        }
    }

    /**
     * Step 4 for query row {@code t}: the forced blocks, then the best-scoring other selectable
     * blocks up to n, written to {@code selected[at .. at + n)} sorted ascending and padded
     * with -1.
     *
     * @param scores the row's scores; blocks past {@code t / l'} are not read
     * @param chosen scratch of at least {@code t / l' + 1} flags, cleared here
     * @param best scratch of at least n ids
     */
    static void choose(double[] scores, int t, NsaParams params, boolean[] chosen, int[] best,
            int[] selected, int at) {
        int count = params.selectCount();
        int current = t / params.selectBlock();
        Arrays.fill(chosen, 0, current + 1, false);
        int taken = 0;
        for (int j = 0; j <= current; j++) {
            if (j < params.initBlocks() || j > current - params.localBlocks()) {
                chosen[j] = true;
                taken++;
            }
        }
        // The top (n - forced) of the others, by descending score, ties to the lower id: the ids
        // arrive ascending, so a later one displaces an earlier one only on a strictly better
        // score, which is the order of a stable sort by descending score.
        int room = count - taken;
        int kept = 0;
        for (int j = 0; j <= current && room > 0; j++) {
            if (chosen[j]) {
                continue;
            }
            int place = kept;
            while (place > 0 && Double.compare(scores[j], scores[best[place - 1]]) > 0) {
                place--;
            }
            if (place < room) {
                int moved = Math.min(kept, room - 1) - place;
                System.arraycopy(best, place, best, place + 1, moved);
                best[place] = j;
                kept = Math.min(kept + 1, room);
            }
        }
        for (int c = 0; c < kept; c++) {
            chosen[best[c]] = true;
        }
        int out = at;
        for (int j = 0; j <= current; j++) {
            if (chosen[j]) {
                selected[out++] = j;
            }
        }
        Arrays.fill(selected, out, at + count, -1);
    }
}
