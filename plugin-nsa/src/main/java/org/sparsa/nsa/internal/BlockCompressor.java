package org.sparsa.nsa.internal;

import java.util.Arrays;

/**
 * One compressed token in plain arithmetic, for the decode cache: what {@link Compressor#apply}
 * computes for block {@code i}, with the weights' values at the time of the step. Sums run in
 * double in a fixed order.
 */
final class BlockCompressor {
    private final Compression kind;
    private final NsaParams params;
    private final int kvHeads;
    private final int dim;
    private final int hidden;
    private final float[] position;
    private final float[] weights;
    private final float[] hiddenWeights;

    /**
     * @param position {@code [Hkv, l, D]}
     * @param weights {@code [Hkv, l*D, D]} (linear) or {@code [Hkv, H, D]} (mlp); null for mean
     * @param hiddenWeights {@code [Hkv, l*D, H]} for mlp, else null
     */
    BlockCompressor(Compression kind, NsaParams params, int kvHeads, int dim, int hidden,
            float[] position, float[] weights, float[] hiddenWeights) {
        this.kind = kind;
        this.params = params;
        this.kvHeads = kvHeads;
        this.dim = dim;
        this.hidden = hidden;
        this.position = position;
        this.weights = weights;
        this.hiddenWeights = hiddenWeights;
    }

    /**
     * Writes compressed token {@code i} of {@code x [T, Hkv, D]} (its block complete) into
     * {@code out [Nc, Hkv, D]}.
     */
    void compress(float[] x, int i, float[] out) {
        int blockLen = params.blockLen();
        int flat = blockLen * dim;
        float[] block = new float[flat];
        for (int g = 0; g < kvHeads; g++) {
            for (int r = 0; r < blockLen; r++) {
                int row = ((i * params.stride() + r) * kvHeads + g) * dim;
                for (int c = 0; c < dim; c++) {
                    block[r * dim + c] = x[row + c] + position[(g * blockLen + r) * dim + c];
                }
            }
            double[] token = switch (kind) {
                case LINEAR -> product(block, weights, g * flat * dim, flat, dim);
                case MLP -> {
                    double[] inner = product(block, hiddenWeights, g * flat * hidden, flat,
                            hidden);
                    float[] activated = new float[hidden];
                    for (int h = 0; h < hidden; h++) {
                        activated[h] = (float) (inner[h] / (1 + Math.exp(-inner[h])));
                    }
                    yield product(activated, weights, g * hidden * dim, hidden, dim);
                }
                case MEAN -> {
                    double[] mean = new double[dim];
                    for (int r = 0; r < blockLen; r++) {
                        for (int c = 0; c < dim; c++) {
                            mean[c] += block[r * dim + c];
                        }
                    }
                    for (int c = 0; c < dim; c++) {
                        mean[c] /= blockLen;
                    }
                    yield mean;
                }
            };
            int at = (i * kvHeads + g) * dim;
            for (int e = 0; e < dim; e++) {
                out[at + e] = (float) token[e];
            }
        }
    }

    /** {@code in [rows] @ matrix[offset.., rows x cols]}, in double. */
    private static double[] product(float[] in, float[] matrix, int offset, int rows,
            int cols) {
        double[] out = new double[cols];
        for (int r = 0; r < rows; r++) {
            double value = in[r];
            int at = offset + r * cols;
            for (int c = 0; c < cols; c++) {
                out[c] += value * matrix[at + c];
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return kind.id() + " block compressor " + Arrays.toString(new int[] {kvHeads, dim});
    }
}
