package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a sweep's unfinished trials with a pool of {@code workers}: each attempt starts from an
 * empty trial folder, a trial that fails does not stop the others, and a finished trial (one
 * with {@code result.json}) is never run again.
 */
public final class SweepRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SweepRunner.class);

    private final SweepFolder folder;
    private final TrialLauncher launcher;
    private final int workers;

    public SweepRunner(SweepFolder folder, TrialLauncher launcher, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("expected at least 1 worker, found " + workers);
        }
        this.folder = folder;
        this.launcher = launcher;
        this.workers = workers;
    }

    /**
     * Runs every trial of {@code manifest} that has not finished, showing progress on
     * {@code console}.
     *
     * @throws InterruptedException when the sweep is stopped; running trials are stopped too
     */
    public SweepOutcome run(SweepManifest manifest, PrintWriter console)
            throws InterruptedException {
        SweepProgress progress = new SweepProgress(console, manifest.trials().size(), workers,
                manifest.metric(), manifest.maximise(), System::nanoTime);
        List<Trial> pending = new ArrayList<>();
        int skipped = 0;
        for (Trial trial : manifest.trials()) {
            if (folder.finished(trial)) {
                skipped++;
                progress.skipped(trial, folder.metric(trial, manifest.metric()));
            } else {
                pending.add(trial);
            }
        }
        progress.begin();
        List<String> failed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(workers,
                Math.max(1, pending.size())), runnable -> {
                    Thread thread = new Thread(runnable, "sparsa-sweep-worker");
                    thread.setDaemon(true);
                    return thread;
                });
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (Trial trial : pending) {
                futures.add(pool.submit(() -> {
                    runTrial(trial, manifest.metric(), progress, failed);
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("a sweep worker failed", e.getCause());
        } finally {
            // Interrupts the workers still waiting on a child, which stops the child.
            pool.shutdownNow();
        }
        List<String> failures = new ArrayList<>(failed);
        return new SweepOutcome(skipped, pending.size() - failures.size(), failures);
    }

    private void runTrial(Trial trial, String metric, SweepProgress progress,
            List<String> failed) throws InterruptedException {
        progress.started(trial);
        long start = progress.now();
        String why;
        try {
            Path dir = folder.reset(trial);
            int exit = launcher.launch(trial, dir, dir.resolve(SweepFolder.TRIAL_LOG));
            if (exit == 0 && folder.finished(trial)) {
                progress.finished(trial, true, folder.metric(trial, metric), start, "");
                return;
            }
            why = exit == 0 ? "exit 0 but no result.json" : "exit " + exit;
            String reason = folder.failure(trial);
            if (reason != null) {
                why += ": " + reason;
            }
            why += "; see " + folder.path().relativize(dir.resolve(SweepFolder.TRIAL_LOG));
        } catch (IOException e) {
            why = "cannot start: " + e.getMessage();
            LOG.warn("trial {} could not run", trial.name(), e);
        }
        failed.add(trial.name() + ": " + why);
        progress.finished(trial, false, null, start, why);
    }
}
