package org.sparsa.runner.internal.sweep;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.runner.internal.report.FinalMetricsTable;

/**
 * Shows how a sweep goes, one line whenever a trial starts or ends: trials done, running and
 * failed out of all, the time left at the pace of the trials finished so far, and the best
 * value of the sweep's metric with its trial. Lines go to the console, and at debug level to the
 * {@value #LOGGER} logger: at info level the distribution's console log would print each twice.
 */
final class SweepProgress {
    /** The logger progress lines go to as well. */
    static final String LOGGER = "sparsa.sweep";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final PrintWriter console;
    private final int total;
    private final int workers;
    private final String metric;
    private final boolean maximise;
    private final LongSupplier nanoTime;
    private int done;
    private int running;
    private int failed;
    private int ranHere;
    private long ranNanos;
    private Double best;
    private String bestTrial;

    /**
     * @param total the sweep's trials
     * @param workers how many run at once, for the estimate of the time left
     * @param nanoTime the clock trials are timed by
     */
    SweepProgress(PrintWriter console, int total, int workers, String metric, boolean maximise,
            LongSupplier nanoTime) {
        this.console = console;
        this.total = total;
        this.workers = workers;
        this.metric = metric;
        this.maximise = maximise;
        this.nanoTime = nanoTime;
    }

    /** The clock trials are timed by. */
    long now() {
        return nanoTime.getAsLong();
    }

    /** A trial finished by an earlier sweep, skipped now. */
    synchronized void skipped(Trial trial, Double value) {
        done++;
        consider(trial, value);
    }

    /** Prints where the sweep stands before its first trial starts. */
    synchronized void begin() {
        print("sweep: " + total + " trials, " + done + " already done, " + workers
                + (workers == 1 ? " worker" : " workers"));
    }

    synchronized void started(Trial trial) {
        running++;
        print("started " + trial.name());
    }

    /**
     * A trial ended.
     *
     * @param value its metric, or null when it failed or did not log the metric
     * @param startNanos when it started, by {@link #now()}
     */
    synchronized void finished(Trial trial, boolean ok, Double value, long startNanos,
            String why) {
        running--;
        if (ok) {
            done++;
            ranHere++;
            ranNanos += now() - startNanos;
            consider(trial, value);
        } else {
            failed++;
        }
        print((ok ? "finished " : "FAILED ") + trial.name() + (ok ? "" : " (" + why + ")"));
    }

    private void consider(Trial trial, Double value) {
        if (value == null || value.isNaN()) {
            return;
        }
        if (best == null || (maximise ? value > best : value < best)) {
            best = value;
            bestTrial = trial.name();
        }
    }

    private void print(String event) {
        String line = String.format(Locale.ROOT, "sweep %d/%d done · %d running · %d failed · "
                + "eta %s · best %s%s — %s", done, total, running, failed, eta(), metric,
                best == null ? " -" : " " + FinalMetricsTable.format(best) + " (" + bestTrial
                        + ")", event);
        console.println(line);
        console.flush();
        LOG.debug(line);
    }

    private String eta() {
        int left = total - done - failed;
        if (left == 0) {
            return "0s";
        }
        if (ranHere == 0) {
            return "?";
        }
        double perTrial = ranNanos / (double) ranHere;
        long seconds = Math.round(perTrial * Math.ceil(left / (double) workers) / 1e9);
        Duration d = Duration.ofSeconds(seconds);
        return d.toHours() > 0 ? String.format(Locale.ROOT, "%dh %02dm", d.toHours(),
                d.toMinutesPart()) : d.toMinutes() > 0 ? String.format(Locale.ROOT,
                "%dm %02ds", d.toMinutes(), d.toSecondsPart()) : d.getSeconds() + "s";
    }
}
