package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.nio.file.Path;

/** Runs one trial to its end: in a child JVM for real sweeps, in process in tests. */
public interface TrialLauncher {
    /**
     * Runs {@code trial} with {@code folder} as its run folder, its console output going to
     * {@code log}; blocks until it ends.
     *
     * @param folder the trial's run folder: it exists and holds nothing but possibly the log
     * @return the run's exit code, 0 on success
     * @throws IOException when the run cannot be started
     * @throws InterruptedException when the sweep is stopped; the run is stopped too
     */
    int launch(Trial trial, Path folder, Path log) throws IOException, InterruptedException;
}
