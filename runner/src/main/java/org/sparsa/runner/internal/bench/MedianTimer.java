package org.sparsa.runner.internal.bench;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Times an operation as the PyTorch baseline does: {@code warmup} untimed runs, then the median
 * of {@code repeats} timed runs. Only the operation is inside {@link System#nanoTime()}: each
 * run's inputs are prepared before the clock starts.
 *
 * <p>Unlike PyTorch's kernels, Java's loops are compiled while they run: one warm-up run of a
 * 30 ms product leaves it running interpreted or half-compiled, five times slower than it
 * will be, and Vector API code (the matrix product's micro-kernel) runs slower still until C2
 * has compiled it. So warm-up goes on, run after run, until at least {@code warmupSeconds} have
 * passed as well (a single warm-up run of a slow operation is enough; none when {@code warmup}
 * is 0).
 *
 * @param warmup untimed runs first, at least 0
 * @param repeats timed runs, at least 1
 * @param warmupSeconds the least time spent warming up when {@code warmup} is at least 1
 */
public record MedianTimer(int warmup, int repeats, double warmupSeconds) {
    /** The least warm-up time of {@code sparsa bench}. */
    public static final double WARMUP_SECONDS = 3.0;

    public MedianTimer {
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be at least 0, found " + warmup);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("--repeats must be at least 1, found " + repeats);
        }
    }

    /** Exactly {@code warmup} warm-up runs, however short. */
    public MedianTimer(int warmup, int repeats) {
        this(warmup, repeats, 0);
    }

    /**
     * The median time of the operations {@code prepare} makes, in seconds.
     *
     * @param prepare called before every run, untimed; returns the operation to time
     */
    public double seconds(Supplier<Runnable> prepare) {
        long warming = System.nanoTime();
        for (int i = 0; i < warmup || i > 0 && (System.nanoTime() - warming) * 1e-9
                < warmupSeconds; i++) {
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
