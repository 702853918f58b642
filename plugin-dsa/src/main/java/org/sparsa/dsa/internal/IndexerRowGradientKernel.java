package org.sparsa.dsa.internal;

/**
 * The row side of the indexer loss's backward on an OpenCL device, one work item per query row
 * {@code t}: with {@code g = c (softmax(I)[s] - p[s])} over the row's keys s ascending, and for
 * each index head j with {@code z = qi[t, j] . ki[s] > 0}, {@code dw[t, j] += g z} and
 * {@code dqi[t, j] += g w[t, j] ki[s]}. The probabilities are recomputed from the forward's
 * statistics. The item writes only row t of dqi and dw, summed in the Java kernel's order.
 */
public final class IndexerRowGradientKernel extends IndexerScoreKernel {
    private float[] dqi = new float[1];
    private float[] dw = new float[1];

    /**
     * Sets the sequence of the next execute: inputs and the forward's statistics in, dqi
     * {@code [T, HI, dI]} and dw {@code [T, HI]} out, for a loss whose rows each have gradient
     * {@code rowGradient}.
     */
    public void bind(IndexerKernel.Sizes sizes, IndexerKernel.Inputs in, int[] selected,
            float[] teacherLse, float[] studentLse, float rowGradient, float[] dqi,
            float[] dw) {
        bindSequence(sizes, in, selected, teacherLse, studentLse, rowGradient);
        this.dqi = dqi;
        this.dw = dw;
    }

    @Override
    public void run() {
        int t = getGlobalId();
        if (t < length) {
            int rowAt = t * indexHeads;
            for (int j = 0; j < indexHeads; j++) {
                dw[rowAt + j] = 0f;
                for (int d = 0; d < indexDim; d++) {
                    dqi[(rowAt + j) * indexDim + d] = 0f;
                }
            }
            int slots = keySlots(t);
            for (int c = 0; c < slots; c++) {
                int s = keyOf(t, c);
                if (s >= 0) {
                    float g = scoreGradient(t, s);
                    for (int j = 0; j < indexHeads; j++) {
                        float z = indexLogit(t, j, s);
                        if (z > 0f) {
                            dw[rowAt + j] = dw[rowAt + j] + g * z;
                            float scaled = g * w[rowAt + j];
                            int at = (rowAt + j) * indexDim;
                            for (int d = 0; d < indexDim; d++) {
                                dqi[at + d] = dqi[at + d] + scaled * ki[s * indexDim + d];
                            }
                        }
                    }
                }
            }
        }
    }
}
