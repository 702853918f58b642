package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * Puts the run folders that members send back into the sweep folder, each in one step: a
 * returned folder is unpacked into a hidden folder next to the trials, then renamed into
 * {@code trials/N-NAME/}, so that a trial folder always holds exactly one attempt. The first
 * finished run of a trial wins: a finished trial is never replaced, so that a trial a lost
 * member's backup ran again, or one the coordinator sent twice, is in the results once.
 */
public final class ReturnedTrials {
    private final SweepFolder folder;

    public ReturnedTrials(SweepFolder folder) {
        this.folder = folder;
    }

    /**
     * Installs {@code outcome}'s folder as {@code trial}'s, replacing a failed attempt's.
     *
     * @return true when it was installed; false when the trial had finished already (the
     *     outcome is a duplicate) or the outcome holds no folder (its run could not start)
     * @throws IOException when the folder cannot be unpacked or moved; the sweep folder is left
     *     as it was
     */
    public synchronized boolean install(Trial trial, TrialOutcome outcome) throws IOException {
        if (folder.finished(trial) || outcome.error() != null) {
            return false;
        }
        Path trials = folder.path().resolve(SweepFolder.TRIALS);
        Files.createDirectories(trials);
        Path staged = Files.createTempDirectory(trials, "." + trial.number() + "-returned-");
        try {
            FolderArchive.unpack(outcome.folder(), staged);
        } catch (IOException e) {
            DurableFiles.deleteTree(staged);
            throw new IOException("trial " + trial.name() + " from " + outcome.member()
                    + ": " + e.getMessage(), e);
        }
        Path target = folder.trial(trial);
        Path aside = null;
        if (Files.exists(target)) {
            aside = Files.createTempDirectory(trials, "." + trial.number() + "-replaced-");
            Files.delete(aside);
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            DurableFiles.deleteTree(staged);
            if (aside != null) {
                Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        DurableFiles.syncDirectory(trials);
        if (aside != null) {
            DurableFiles.deleteTree(aside);
        }
        return true;
    }
}
