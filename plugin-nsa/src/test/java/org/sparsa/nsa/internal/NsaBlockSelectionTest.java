package org.sparsa.nsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockSelection#choose} against the spec's step 4 written as a stable sort, on scores
 * drawn from a few values so that ties are common.
 */
class NsaBlockSelectionTest {

    @Test
    void choosesAsAStableSortByDescendingScore() {
        SplittableRandom random = new SplittableRandom(7);
        NsaParams[] all = {new NsaParams(4, 2, 4, 5, 3, 1, 2), new NsaParams(4, 2, 4, 3, 3, 0, 0),
            new NsaParams(4, 2, 4, 4, 3, 2, 1), new NsaParams(4, 2, 4, 3, 3, 1, 2)};
        for (NsaParams params : all) {
            int blocks = 12;
            double[] scores = new double[blocks];
            boolean[] chosen = new boolean[blocks];
            int[] best = new int[params.selectCount()];
            for (int trial = 0; trial < 2000; trial++) {
                for (int j = 0; j < blocks; j++) {
                    scores[j] = random.nextInt(4) / 4.0;
                }
                int t = random.nextInt(blocks * params.selectBlock());
                int[] found = new int[params.selectCount() + 2];
                found[0] = 99;
                found[found.length - 1] = 99;
                BlockSelection.choose(scores, t, params, chosen, best, found, 1);
                int[] expected = new int[found.length];
                expected[0] = 99;
                expected[found.length - 1] = 99;
                System.arraycopy(bySort(scores, t, params), 0, expected, 1,
                        params.selectCount());
                assertArrayEquals(expected, found, "t " + t + ", scores "
                        + Arrays.toString(scores) + ", " + params);
            }
        }
    }

    /** Step 4 read literally: forced blocks, then a stable sort of the others. */
    private static int[] bySort(double[] scores, int t, NsaParams params) {
        int current = t / params.selectBlock();
        boolean[] chosen = new boolean[current + 1];
        int taken = 0;
        List<Integer> others = new ArrayList<>();
        for (int j = 0; j <= current; j++) {
            if (j < params.initBlocks() || j > current - params.localBlocks()) {
                chosen[j] = true;
                taken++;
            } else {
                others.add(j);
            }
        }
        others.sort((a, b) -> Double.compare(scores[b], scores[a]));
        for (int j : others) {
            if (taken == params.selectCount()) {
                break;
            }
            chosen[j] = true;
            taken++;
        }
        int[] out = new int[params.selectCount()];
        Arrays.fill(out, -1);
        int at = 0;
        for (int j = 0; j <= current; j++) {
            if (chosen[j]) {
                out[at++] = j;
            }
        }
        return out;
    }
}
