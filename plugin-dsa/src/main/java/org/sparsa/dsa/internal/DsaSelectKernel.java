package org.sparsa.dsa.internal;

import com.aparapi.Kernel;

/**
 * The lightning indexer and the selection on an OpenCL device, one work item per query row
 * {@code t} (the query at position {@code first + t}): it streams the row's visible keys in
 * order, scoring each as {@code I[t,s] = sum_j w[t,j] * ReLU(qi[t,j] . ki[s])} (double sum of
 * float terms, rounded to float, as {@link DsaKernel#select}), and keeps the best
 * {@code topK} in a binary min-heap whose root is the worst pair kept, ties to the lower key,
 * as {@link TopKHeap}. The heap lives in the item's rows of the global scratch arrays
 * {@code heapScores} and {@code heapIds} {@code [rows, topK]}: a work item's private memory
 * cannot hold DSA's top_k of 2048. The kept ids are then heap-sorted ascending in place in the
 * item's row of {@code selected}. Rows that see at most {@code topK} keys select them all;
 * every row is padded with -1. The item writes only its own rows.
 *
 * <p>Aparapi translates this class alone, so it holds its own heap routines; loops end on
 * their conditions rather than on {@code break}, which its translation handles best.
 */
public final class DsaSelectKernel extends Kernel {
    // Fields are the kernel's arguments; Aparapi reads them by reflection at each execute.
    private float[] qi = new float[1];
    private float[] ki = new float[1];
    private float[] w = new float[1];
    private int[] selected = new int[1];
    private float[] heapScores = new float[1];
    private int[] heapIds = new int[1];
    private int rows;
    private int first;
    private int indexHeads;
    private int indexDim;
    private int topK;

    /**
     * Sets the sizes and arrays of the next execute: qi {@code [rows, HI, dI]}, ki
     * {@code [first + rows, dI]} and w {@code [rows, HI]} in, selected {@code [rows, topK]}
     * out, heapScores and heapIds {@code [rows, topK]} scratch.
     */
    public void bind(int rows, int first, int indexHeads, int indexDim, int topK, float[] qi,
            float[] ki, float[] w, int[] selected, float[] heapScores, int[] heapIds) {
        this.rows = rows;
        this.first = first;
        this.indexHeads = indexHeads;
        this.indexDim = indexDim;
        this.topK = topK;
        this.qi = qi;
        this.ki = ki;
        this.w = w;
        this.selected = selected;
        this.heapScores = heapScores;
        this.heapIds = heapIds;
    }

    @Override
    public void run() {
        int t = getGlobalId();
        if (t < rows) {
            int at = t * topK;
            int last = first + t;
            if (last + 1 <= topK) {
                for (int c = 0; c < topK; c++) {
                    int id = -1;
                    if (c <= last) {
                        id = c;
                    }
                    selected[at + c] = id;
                }
            } else {
                int size = 0;
                for (int s = 0; s <= last; s++) {
                    float score = indexScore(t, s);
                    if (size < topK) {
                        heapScores[at + size] = score;
                        heapIds[at + size] = s;
                        siftUp(at, size);
                        size++;
                    } else if (ranksBelow(at, 0, score, s)) {
                        heapScores[at] = score;
                        heapIds[at] = s;
                        siftDown(at, 0, topK);
                    }
                }
                for (int c = 0; c < topK; c++) {
                    selected[at + c] = heapIds[at + c];
                }
                sortAscending(at, topK);
            }
        }
    }

    /** {@code I[t,s]}: float dot products, their weighted ReLUs summed in double. */
    private float indexScore(int t, int s) {
        double score = 0.0;
        int keyAt = s * indexDim;
        for (int j = 0; j < indexHeads; j++) {
            int queryAt = (t * indexHeads + j) * indexDim;
            float dot = 0f;
            for (int d = 0; d < indexDim; d++) {
                dot = dot + qi[queryAt + d] * ki[keyAt + d];
            }
            float term = w[t * indexHeads + j] * max(dot, 0f);
            score = score + term;
        }
        return (float) score;
    }

    /** Whether the heap pair at {@code slot} ranks below (score, id): lower, or tied and later. */
    private boolean ranksBelow(int at, int slot, float score, int id) {
        float kept = heapScores[at + slot];
        return kept < score || (kept == score && heapIds[at + slot] > id);
    }

    private void siftUp(int at, int from) {
        int slot = from;
        int moving = 1;
        while (slot > 0 && moving == 1) {
            int parent = (slot - 1) / 2;
            moving = 0;
            if (ranksBelow(at, slot, heapScores[at + parent], heapIds[at + parent])) {
                swapHeap(at, slot, parent);
                slot = parent;
                moving = 1;
            }
        }
    }

    private void siftDown(int at, int from, int size) {
        int slot = from;
        int moving = 1;
        while (moving == 1) {
            int worst = slot;
            int left = 2 * slot + 1;
            if (left < size && ranksBelow(at, left, heapScores[at + worst],
                    heapIds[at + worst])) {
                worst = left;
            }
            int right = left + 1;
            if (right < size && ranksBelow(at, right, heapScores[at + worst],
                    heapIds[at + worst])) {
                worst = right;
            }
            moving = 0;
            if (worst != slot) {
                swapHeap(at, slot, worst);
                slot = worst;
                moving = 1;
            }
        }
    }

    private void swapHeap(int at, int a, int b) {
        float score = heapScores[at + a];
        heapScores[at + a] = heapScores[at + b];
        heapScores[at + b] = score;
        int id = heapIds[at + a];
        heapIds[at + a] = heapIds[at + b];
        heapIds[at + b] = id;
    }

    /** Heap sort of {@code selected[at .. at + count)} ascending, in place (a max-heap). */
    private void sortAscending(int at, int count) {
        for (int start = count / 2 - 1; start >= 0; start--) {
            siftDownLargest(at, start, count);
        }
        for (int end = count - 1; end > 0; end--) {
            int largest = selected[at];
            selected[at] = selected[at + end];
            selected[at + end] = largest;
            siftDownLargest(at, 0, end);
        }
    }

    private void siftDownLargest(int at, int from, int size) {
        int slot = from;
        int moving = 1;
        while (moving == 1) {
            int largest = slot;
            int left = 2 * slot + 1;
            if (left < size && selected[at + left] > selected[at + largest]) {
                largest = left;
            }
            int right = left + 1;
            if (right < size && selected[at + right] > selected[at + largest]) {
                largest = right;
            }
            moving = 0;
            if (largest != slot) {
                int id = selected[at + slot];
                selected[at + slot] = selected[at + largest];
                selected[at + largest] = id;
                slot = largest;
                moving = 1;
            }
        }
    }
}
