package org.sparsa.runner.internal.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * The member side of a clustered sweep: runs each {@link TrialTask} the member takes in a
 * fresh scratch folder of its own (a task that runs twice, after a member was lost, never
 * shares one), through a {@link TrialLauncher} as a local sweep would, packs the run folder
 * for the coordinator and removes the scratch folder.
 */
public final class TrialHost {
    /** The key of the member's user context under which its trial host is found. */
    public static final String CONTEXT_KEY = "sparsa.trial-host";

    private static final Logger LOG = LoggerFactory.getLogger(TrialHost.class);

    /** Makes the launcher of one task's trial from the member's copy of its recipe. */
    public interface LauncherFactory {
        TrialLauncher create(Path recipe, List<String> overrides, Path workingFolder);
    }

    private final Path scratch;
    private final Path workingFolder;
    private final LauncherFactory launchers;

    /**
     * @param scratch where the trials' scratch folders go; made when missing
     * @param workingFolder where the trials run, so that a recipe's relative paths read the
     *     same as in this member's working folder
     */
    public TrialHost(Path scratch, Path workingFolder, LauncherFactory launchers) {
        this.scratch = scratch;
        this.workingFolder = workingFolder;
        this.launchers = launchers;
    }

    /**
     * Runs {@code task}'s trial to its end and packs its folder.
     *
     * @param memberName this member as the coordinator shows it, {@code HOST:PORT}
     */
    TrialOutcome run(TrialTask task, String memberName) throws InterruptedException {
        Trial trial = task.trial();
        Path dir = null;
        try {
            Files.createDirectories(scratch);
            dir = Files.createTempDirectory(scratch, trial.number() + "-");
            Path recipe = dir.resolve("recipe").resolve(task.recipeFileName());
            Files.createDirectories(recipe.getParent());
            Files.writeString(recipe, task.recipeText(), StandardCharsets.UTF_8);
            Path run = Files.createDirectories(dir.resolve(trial.name()));
            LOG.info("trial {} starts in {}", trial.name(), run);
            int exit = launchers.create(recipe, task.sweepOverrides(), workingFolder)
                    .launch(trial, run, run.resolve(SweepFolder.TRIAL_LOG));
            LOG.info("trial {} ended with exit {}", trial.name(), exit);
            return new TrialOutcome(trial.number(), exit, memberName, FolderArchive.pack(run),
                    null);
        } catch (IOException e) {
            LOG.warn("trial {} could not run", trial.name(), e);
            return new TrialOutcome(trial.number(), -1, memberName, new byte[0],
                    "on " + memberName + ": " + e.getMessage());
        } finally {
            if (dir != null) {
                try {
                    DurableFiles.deleteTree(dir);
                } catch (IOException e) {
                    LOG.warn("cannot remove the scratch folder {}: {}", dir, e.getMessage());
                }
            }
        }
    }
}
