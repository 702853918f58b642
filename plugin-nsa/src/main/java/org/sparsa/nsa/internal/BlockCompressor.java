package org.sparsa.nsa.internal;

/**
 * Step 1 of the spec for one compressed token, in plain arithmetic for the decode cache:
 * {@code x~[i, g] = concat_r (x[i*d + r, g] + pe[g, r]) @ W[g]}, {@code r = 0..l-1}, with the
 * layer's current weights {@code W [Hkv, l*D, D]} and position embedding {@code pe [Hkv, l, D]}.
 * Sums run in double in a fixed order.
 */
final class BlockCompressor {
    private final float[] weights;
    private final float[] position;
    private final NsaParams params;
    private final int kvHeads;
    private final int dim;

    BlockCompressor(float[] weights, float[] position, NsaParams params, int kvHeads, int dim) {
        this.weights = weights;
        this.position = position;
        this.params = params;
        this.kvHeads = kvHeads;
        this.dim = dim;
    }

    /**
     * Writes compressed token {@code i} of {@code x [T, Hkv, D]} (its block complete) into
     * {@code out [Nc, Hkv, D]}.
     */
    void compress(float[] x, int i, float[] out) {
        int blockLen = params.blockLen();
        int start = i * params.stride();
        double[] sum = new double[dim];
        for (int g = 0; g < kvHeads; g++) {
            java.util.Arrays.fill(sum, 0);
            for (int r = 0; r < blockLen; r++) {
                int row = ((start + r) * kvHeads + g) * dim;
                int pe = (g * blockLen + r) * dim;
                for (int c = 0; c < dim; c++) {
                    double input = x[row + c] + position[pe + c];
                    int w = (g * blockLen * dim + r * dim + c) * dim;
                    for (int e = 0; e < dim; e++) {
                        sum[e] += input * weights[w + e];
                    }
                }
            }
            int at = (i * kvHeads + g) * dim;
            for (int e = 0; e < dim; e++) {
                out[at + e] = (float) sum[e];
            }
        }
    }
}
