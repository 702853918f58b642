package org.sparsa.dsa.internal;

/**
 * The key side of the indexer loss's backward on an OpenCL device, one work item per key
 * {@code s}: {@code dki[s]} gathers {@code g w[t, j] qi[t, j]} over index heads j with
 * {@code z = qi[t, j] . ki[s] > 0} and over the rows t that read the key, ascending: every row
 * {@code t >= s} for the dense loss, for the sparse one the rows that selected it, from an
 * inverted index {@code rowStart [T + 1]}, {@code rows} built on the host in row order. No two
 * items write the same value, and each sums in an order fixed by the data alone.
 */
public final class IndexerKeyGradientKernel extends IndexerScoreKernel {
    private int[] rowStart = new int[1];
    private int[] rows = new int[1];
    private float[] dki = new float[1];

    /**
     * Sets the sequence of the next execute: inputs, the forward's statistics and (sparse) the
     * inverted index in, dki {@code [T, dI]} out, for a loss whose rows each have gradient
     * {@code rowGradient}. The index is unread for the dense loss and then any non-empty array.
     */
    public void bind(IndexerKernel.Sizes sizes, IndexerKernel.Inputs in, int[] selected,
            float[] teacherLse, float[] studentLse, float rowGradient, int[] rowStart,
            int[] rows, float[] dki) {
        bindSequence(sizes, in, selected, teacherLse, studentLse, rowGradient);
        this.rowStart = rowStart;
        this.rows = rows;
        this.dki = dki;
    }

    @Override
    public void run() {
        int s = getGlobalId();
        if (s < length) {
            int keyAt = s * indexDim;
            for (int d = 0; d < indexDim; d++) {
                dki[keyAt + d] = 0f;
            }
            int from = s;
            int to = length;
            if (topK > 0) {
                from = rowStart[s];
                to = rowStart[s + 1];
            }
            for (int r = from; r < to; r++) {
                int t = r;
                if (topK > 0) {
                    t = rows[r];
                }
                float g = scoreGradient(t, s);
                for (int j = 0; j < indexHeads; j++) {
                    float z = indexLogit(t, j, s);
                    if (z > 0f) {
                        float scaled = g * w[t * indexHeads + j];
                        int at = (t * indexHeads + j) * indexDim;
                        for (int d = 0; d < indexDim; d++) {
                            dki[keyAt + d] = dki[keyAt + d] + scaled * qi[at + d];
                        }
                    }
                }
            }
        }
    }
}
