package org.sparsa.core.train;

/**
 * The hyperparameters of {@link AdamW}.
 *
 * @param lr the learning rate used by {@link AdamW#step()} (a schedule passes its own to
 *     {@link AdamW#step(double)})
 * @param beta1 the decay of the first-moment average, in [0, 1)
 * @param beta2 the decay of the second-moment average, in [0, 1)
 * @param eps added to the root of the second moment, positive
 * @param weightDecay the decoupled weight decay, non-negative: each step multiplies a decayed
 *     parameter by {@code 1 - lr * weightDecay}
 */
public record AdamWOptions(double lr, double beta1, double beta2, double eps,
        double weightDecay) {

    /** Checks every value, naming the one out of range. */
    public AdamWOptions {
        checkLearningRate(lr, "lr");
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("AdamW: beta1 " + beta1 + " must lie in [0, 1)");
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW: beta2 " + beta2 + " must lie in [0, 1)");
        }
        if (!(eps > 0 && Double.isFinite(eps))) {
            throw new IllegalArgumentException("AdamW: eps " + eps + " must be positive");
        }
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("AdamW: weightDecay " + weightDecay
                    + " must be finite and non-negative");
        }
    }

    /** The defaults of PyTorch's AdamW except the decay: betas 0.9/0.999, eps 1e-8, no decay. */
    public static AdamWOptions of(double lr) {
        return new AdamWOptions(lr, 0.9, 0.999, 1e-8, 0);
    }

    /** These options with {@code lr}. */
    public AdamWOptions withLr(double lr) {
        return new AdamWOptions(lr, beta1, beta2, eps, weightDecay);
    }

    /** These options with {@code beta1} and {@code beta2}. */
    public AdamWOptions withBetas(double beta1, double beta2) {
        return new AdamWOptions(lr, beta1, beta2, eps, weightDecay);
    }

    /** These options with {@code eps}. */
    public AdamWOptions withEps(double eps) {
        return new AdamWOptions(lr, beta1, beta2, eps, weightDecay);
    }

    /** These options with {@code weightDecay}. */
    public AdamWOptions withWeightDecay(double weightDecay) {
        return new AdamWOptions(lr, beta1, beta2, eps, weightDecay);
    }

    static void checkLearningRate(double lr, String what) {
        if (!(lr >= 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException("AdamW: " + what + " " + lr
                    + " must be finite and non-negative");
        }
    }
}
