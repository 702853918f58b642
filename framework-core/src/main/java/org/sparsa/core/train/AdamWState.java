package org.sparsa.core.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of {@link AdamW}'s state, as a checkpoint stores it: the number of steps taken and,
 * for each parameter stepped at least once, its moments and its own step count (a parameter
 * frozen for a while has taken fewer steps, which its bias correction must know).
 *
 * @param steps the number of {@link AdamW#step} calls
 * @param parameters the state of each parameter by full name, in the store's order
 */
public record AdamWState(long steps, Map<String, Moments> parameters) {

    /** Copies the map (not the arrays: callers hand over arrays they no longer change). */
    public AdamWState {
        if (steps < 0) {
            throw new IllegalArgumentException("AdamW state: steps " + steps + " is negative");
        }
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(
                Objects.requireNonNull(parameters, "parameters")));
    }

    /**
     * The state of one parameter.
     *
     * @param expAvg the first-moment average, one value per element
     * @param expAvgSq the second-moment average, one value per element
     * @param steps the number of steps this parameter has taken
     */
    public record Moments(float[] expAvg, float[] expAvgSq, long steps) {

        /** Checks that both averages have one length and the step count is positive. */
        public Moments {
            if (expAvg.length != expAvgSq.length) {
                throw new IllegalArgumentException("AdamW state: exp_avg has " + expAvg.length
                        + " values but exp_avg_sq has " + expAvgSq.length);
            }
            if (steps <= 0) {
                throw new IllegalArgumentException("AdamW state: parameter steps " + steps
                        + " must be positive");
            }
        }
    }
}
