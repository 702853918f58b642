package org.sparsa.grpo.internal;

import java.util.Locale;

/**
 * How per-token terms {@code x [B,T]} become one number ({@code specs/policy.md}). Each
 * aggregation is a fixed weighting of the tokens, so the loss is {@code sum(w * x)} with the
 * weights of {@link #weights}.
 */
enum Aggregation {
    /** GRPO: {@code mean_i (sum_t m x / |o_i|)}. */
    SEQ_MEAN_TOKEN_MEAN,
    /** DAPO: {@code sum m x / sum m}, every token of the batch weighted alike. */
    TOKEN_MEAN,
    /** Dr. GRPO: {@code sum m x / (B * norm_length)}, a constant normaliser. */
    SEQ_MEAN_TOKEN_SUM_NORM;

    /** The name recipes use ({@code token_mean}). */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The weight of each token, [B*T] row-major, mask included.
     *
     * @param mask 1 for completion tokens, [B*T]
     * @param lengths {@code |o_i|}, at least 1
     * @param normLength the constant of {@link #SEQ_MEAN_TOKEN_SUM_NORM}
     */
    double[] weights(float[] mask, int batch, int width, double[] lengths, int normLength) {
        double tokens = 0;
        for (float m : mask) {
            tokens += m;
        }
        double[] weights = new double[mask.length];
        for (int i = 0; i < batch; i++) {
            double perToken = switch (this) {
                case SEQ_MEAN_TOKEN_MEAN -> 1.0 / (lengths[i] * batch);
                case TOKEN_MEAN -> 1.0 / Math.max(1, tokens);
                case SEQ_MEAN_TOKEN_SUM_NORM -> 1.0 / ((double) batch * normLength);
            };
            for (int t = 0; t < width; t++) {
                weights[i * width + t] = mask[i * width + t] * perToken;
            }
        }
        return weights;
    }
}
