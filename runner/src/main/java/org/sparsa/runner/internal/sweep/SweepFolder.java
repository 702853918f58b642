package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.core.checkpoint.DurableFiles;
import org.sparsa.runner.internal.run.TrainingRun;

/**
 * A sweep's folder: {@code sweep.yaml}, each trial's run folder {@code trials/N-NAME/} with the
 * trial's console output in {@code trial.log}, and the aggregated results. A trial is finished
 * exactly when its folder holds {@code result.json}, which a run writes last and only on
 * success; anything else in a trial folder is a failed or interrupted attempt.
 *
 * @param path the folder
 */
public record SweepFolder(Path path) {
    private static final Logger LOG = LoggerFactory.getLogger(SweepFolder.class);

    /** The folder, inside a sweep folder, that holds the trials' run folders. */
    public static final String TRIALS = "trials";
    /** The file, inside a trial's folder, that holds its process's console output. */
    public static final String TRIAL_LOG = "trial.log";
    /** How much of the end of a trial's log is searched for why it failed. */
    private static final int FAILURE_TAIL = 64 * 1024;
    /** What {@code sparsa run} puts before its reason when a run fails. */
    private static final List<String> FAILURE_MARKERS = List.of(": the run failed: ",
            ": cannot set up the run: ");

    /**
     * Writes {@code manifest} into the folder, making it if needed. A folder that already holds
     * a sweep keeps it only when the hashes agree, so that the trials of two different sweeps
     * never mix.
     *
     * @throws IllegalArgumentException when the folder holds another sweep (both hashes and
     *     recipes named), or files but no sweep
     */
    public static SweepFolder prepare(Path dir, SweepManifest manifest) throws IOException {
        if (Files.exists(dir.resolve(SweepManifest.FILE_NAME))) {
            SweepManifest existing = SweepManifest.read(dir);
            if (!existing.hash().equals(manifest.hash())) {
                throw new IllegalArgumentException(dir + " holds another sweep: its "
                        + SweepManifest.FILE_NAME + " has " + existing.hash() + " (recipe "
                        + existing.recipe() + ", " + existing.trials().size()
                        + " trials), this sweep has " + manifest.hash() + " (recipe "
                        + manifest.recipe() + ", " + manifest.trials().size() + " trials); "
                        + "choose another --out, or remove the folder to start over");
            }
        } else if (Files.exists(dir) && !isEmptyFolder(dir)) {
            throw new IllegalArgumentException(dir + " holds files but no "
                    + SweepManifest.FILE_NAME + "; choose another --out for the sweep");
        }
        Files.createDirectories(dir.resolve(TRIALS));
        // Rewritten even when equal: the metric and goal may have changed, which the hash
        // leaves out since they do not change what the trials run.
        manifest.write(dir);
        return new SweepFolder(dir);
    }

    /** The run folder of {@code trial}. */
    public Path trial(Trial trial) {
        return path.resolve(TRIALS).resolve(trial.name());
    }

    /** The {@code result.json} of {@code trial}, present once it finished. */
    public Path result(Trial trial) {
        return trial(trial).resolve(TrainingRun.RESULT_FILE);
    }

    /** Whether {@code trial} finished: its folder holds {@code result.json}. */
    public boolean finished(Trial trial) {
        return Files.isRegularFile(result(trial));
    }

    /**
     * The value of {@code metric} in {@code trial}'s {@code result.json}, or null when it has
     * none or the file cannot be read.
     */
    public Double metric(Trial trial, String metric) {
        try {
            return TrialResult.metrics(result(trial)).get(metric);
        } catch (IOException e) {
            LOG.warn("cannot read the result of trial {}: {}", trial.name(), e.getMessage());
            return null;
        }
    }

    /**
     * Why {@code trial}'s run failed, as it said at the end of its {@code trial.log} (which
     * plugin threw or hangs, which stage stopped), or null when the log says nothing of it;
     * only the log's last {@value #FAILURE_TAIL} bytes are read.
     */
    public String failure(Trial trial) {
        Path log = trial(trial).resolve(TRIAL_LOG);
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            byte[] tail = new byte[(int) Math.min(length, FAILURE_TAIL)];
            file.seek(length - tail.length);
            file.readFully(tail);
            String reason = null;
            for (String line : new String(tail, StandardCharsets.UTF_8).split("\\R")) {
                for (String marker : FAILURE_MARKERS) {
                    int at = line.indexOf(marker);
                    if (at >= 0) {
                        reason = line.substring(at + marker.length()).strip();
                    }
                }
            }
            return reason;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Empties the folder of {@code trial} for a fresh attempt: a failed or interrupted one
     * leaves checkpoints and metrics that must not mix with the next.
     */
    public Path reset(Trial trial) throws IOException {
        Path dir = trial(trial);
        if (Files.exists(dir)) {
            DurableFiles.deleteTree(dir);
        }
        Files.createDirectories(dir);
        return dir;
    }

    private static boolean isEmptyFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
