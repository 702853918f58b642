package org.sparsa.dsa.internal;

import java.util.Arrays;

/**
 * The best {@code capacity} (score, index) pairs seen so far, for a selection that streams over
 * the keys of a row. A binary min-heap whose root is the worst pair kept: the lowest score, and
 * among equal scores the highest index, since ties go to the lower index. Scores compare as
 * numbers, so 0 and -0 tie.
 */
final class TopKHeap {
    private final float[] scores;
    private final int[] indices;
    private int size;

    TopKHeap(int capacity) {
        scores = new float[capacity];
        indices = new int[capacity];
    }

    /** Keeps (score, index) if the heap has room or it beats the worst pair kept. */
    void offer(float score, int index) {
        if (size < scores.length) {
            scores[size] = score;
            indices[size] = index;
            up(size++);
        } else if (worse(0, score, index)) {
            scores[0] = score;
            indices[0] = index;
            down(0);
        }
    }

    /** Writes the kept indices in ascending order at {@code out[from ..]}. */
    void sortedIndices(int[] out, int from) {
        System.arraycopy(indices, 0, out, from, size);
        Arrays.sort(out, from, from + size);
    }

    /** Whether the pair at {@code slot} ranks below (score, index). */
    private boolean worse(int slot, float score, int index) {
        return scores[slot] < score || (scores[slot] == score && indices[slot] > index);
    }

    private void up(int slot) {
        while (slot > 0) {
            int parent = (slot - 1) / 2;
            if (!worse(slot, scores[parent], indices[parent])) {
                return;
            }
            swap(slot, parent);
            slot = parent;
        }
    }

    private void down(int slot) {
        while (true) {
            int worst = slot;
            for (int child = 2 * slot + 1; child <= 2 * slot + 2 && child < size; child++) {
                if (worse(child, scores[worst], indices[worst])) {
                    worst = child;
                }
            }
            if (worst == slot) {
                return;
            }
            swap(slot, worst);
            slot = worst;
        }
    }

    private void swap(int a, int b) {
        float score = scores[a];
        scores[a] = scores[b];
        scores[b] = score;
        int index = indices[a];
        indices[a] = indices[b];
        indices[b] = index;
    }
}
