package org.sparsa.runner.internal.bench;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Times an operation as the PyTorch baseline does: {@code warmup} untimed runs, then the median
 * of {@code repeats} timed runs. Only the operation is inside {@link System#nanoTime()}: each
 * run's inputs are prepared before the clock starts.
 *
 * @param warmup untimed runs first, at least 0
 * @param repeats timed runs, at least 1
 */
public record MedianTimer(int warmup, int repeats) {

    public MedianTimer {
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be at least 0, found " + warmup);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("--repeats must be at least 1, found " + repeats);
        }
    }

    /**
     * The median time of the operations {@code prepare} makes, in seconds.
     *
     * @param prepare called before every run, untimed; returns the operation to time
     */
    public double seconds(Supplier<Runnable> prepare) {
        for (int i = 0; i < warmup; i++) {
            prepare.get().run();
        }
        double[] times = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            Runnable operation = prepare.get();
            long start = System.nanoTime();
            operation.run();
            times[i] = (System.nanoTime() - start) * 1e-9;
        }
        return median(times);
    }

    /** The median of {@code values}; the mean of the middle two for an even count, as Python's. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle]
                : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
