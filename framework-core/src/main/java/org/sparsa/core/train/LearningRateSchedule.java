package org.sparsa.core.train;

/**
 * The learning rate for each optimiser step, counted from 0 (the number of steps taken before
 * it), so a resumed run asks for the same step numbers the uninterrupted one would.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /** The learning rate of step {@code step} (0-based). */
    double at(long step);

    /**
     * The same rate at every step.
     *
     * @throws IllegalArgumentException if {@code lr} is negative or not finite
     */
    static LearningRateSchedule constant(double lr) {
        checkRate(lr, "lr");
        return step -> lr;
    }

    /**
     * A linear warm-up from 0 at step 0 to {@code peak} at step {@code warmupSteps}, then
     * {@code peak}.
     *
     * @throws IllegalArgumentException naming the argument out of range
     */
    static LearningRateSchedule warmupConstant(double peak, long warmupSteps) {
        checkRate(peak, "peak");
        checkSteps(warmupSteps, "warmupSteps");
        return step -> step < warmupSteps ? peak * step / warmupSteps : peak;
    }

    /**
     * A linear warm-up from 0 at step 0 to {@code peak} at step {@code warmupSteps}, then a
     * cosine decay to {@code minLr} at step {@code totalSteps}, and {@code minLr} after it (as
     * Hugging Face's cosine schedule with warm-up, with a floor).
     *
     * @throws IllegalArgumentException naming the argument out of range: rates must be finite
     *     with {@code 0 <= minLr <= peak}, and {@code 0 <= warmupSteps < totalSteps}
     */
    static LearningRateSchedule warmupCosine(double peak, long warmupSteps, long totalSteps,
            double minLr) {
        checkRate(peak, "peak");
        checkRate(minLr, "minLr");
        checkSteps(warmupSteps, "warmupSteps");
        if (minLr > peak) {
            throw new IllegalArgumentException("warmupCosine: minLr " + minLr
                    + " is above peak " + peak);
        }
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("warmupCosine: totalSteps " + totalSteps
                    + " must be greater than warmupSteps " + warmupSteps);
        }
        return step -> {
            if (step < warmupSteps) {
                return peak * step / warmupSteps;
            }
            if (step >= totalSteps) {
                return minLr;
            }
            double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
            return minLr + (peak - minLr) * 0.5 * (1 + StrictMath.cos(StrictMath.PI * progress));
        };
    }

    private static void checkRate(double lr, String what) {
        if (!(lr >= 0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException("learning-rate schedule: " + what + " " + lr
                    + " must be finite and non-negative");
        }
    }

    private static void checkSteps(long steps, String what) {
        if (steps < 0) {
            throw new IllegalArgumentException("learning-rate schedule: " + what + " " + steps
                    + " must not be negative");
        }
    }
}
