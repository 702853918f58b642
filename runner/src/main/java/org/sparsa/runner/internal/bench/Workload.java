package org.sparsa.runner.internal.bench;

import java.util.function.Consumer;

/** One of the PyTorch baseline's workloads, measured on Sparsa's side with the same shapes. */
public interface Workload {

    /** The workload's name, as {@code torch_baseline.py} calls it and {@code bench} records it. */
    String name();

    /** How many timed runs the baseline takes the median of; used without {@code --repeats}. */
    int baselineRepeats();

    /**
     * Measures every size and plugin, handing each measurement to {@code sink} as soon as it is
     * made, so that a long run shows its progress.
     */
    void run(BenchContext context, Consumer<Measurement> sink);
}
