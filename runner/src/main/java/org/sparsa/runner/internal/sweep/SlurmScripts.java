package org.sparsa.runner.internal.sweep;

import static org.sparsa.runner.internal.sweep.ShellQuote.quote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sparsa.core.checkpoint.DurableFiles;
import org.sparsa.runner.internal.run.TrainingRun;

/**
 * The Slurm scripts of a planned sweep, written into its folder beside {@code sweep.yaml}:
 * {@code sweep.sbatch}, a job array with one task per trial that runs the trial the way a local
 * sweep does (skipped when it finished, else from an emptied folder, {@code sparsa run RECIPE
 * OVERRIDES… --folder trials/N-NAME}, its console in {@code trial.log}); {@code
 * aggregate.sbatch}, {@code sparsa aggregate} of the folder; and {@code submit.sh}, which
 * submits the array and then the aggregation to start once every trial succeeded. Slurm's own
 * logs go to {@code slurm/}.
 */
public final class SlurmScripts {
    /** The job-array script's name in a sweep folder. */
    public static final String ARRAY_SCRIPT = "sweep.sbatch";
    /** The aggregation job's script's name in a sweep folder. */
    public static final String AGGREGATE_SCRIPT = "aggregate.sbatch";
    /** The script that submits both jobs. */
    public static final String SUBMIT_SCRIPT = "submit.sh";
    /** The folder, inside a sweep folder, of Slurm's job output. */
    public static final String LOGS = "slurm";

    private final SweepManifest manifest;
    private final Path sweep;
    private final Path recipe;
    private final Path workingFolder;
    private final String sparsa;
    private final SlurmOptions options;

    /**
     * @param manifest the planned sweep
     * @param sweep the sweep folder
     * @param recipe the sweep's recipe
     * @param workingFolder where trials run, so that relative paths in the recipe read as they
     *     do for a local sweep
     * @param sparsa the {@code sparsa} command the jobs run unless {@code SPARSA} is set in
     *     their environment; see {@link #defaultSparsa}
     * @param options what the array asks the scheduler for
     */
    public SlurmScripts(SweepManifest manifest, Path sweep, Path recipe, Path workingFolder,
            String sparsa, SlurmOptions options) {
        this.manifest = manifest;
        this.sweep = sweep.toAbsolutePath().normalize();
        this.recipe = workingFolder.resolve(recipe).toAbsolutePath().normalize();
        this.workingFolder = workingFolder.toAbsolutePath().normalize();
        this.sparsa = sparsa;
        this.options = options;
    }

    /**
     * The {@code sparsa} command of the distribution at {@code sparsaHome} (the launcher's
     * {@code sparsa.home}), by absolute path so that jobs find it whatever their {@code PATH};
     * plain {@code sparsa}, found on the {@code PATH}, when the home is unknown.
     */
    public static String defaultSparsa(String sparsaHome) {
        return sparsaHome == null ? "sparsa"
                : Path.of(sparsaHome, "bin", "sparsa").toAbsolutePath().normalize().toString();
    }

    /**
     * Writes the three scripts into the sweep folder, each atomically, and makes the log
     * folder: Slurm does not make it, and a job whose output file cannot be opened fails
     * without a word.
     *
     * @return the files written, in the order a reader needs them: submit first
     */
    public List<Path> write() throws IOException {
        Files.createDirectories(sweep.resolve(LOGS));
        List<Path> written = new ArrayList<>();
        for (String[] script : new String[][] {{SUBMIT_SCRIPT, submitScript()},
                {ARRAY_SCRIPT, arrayScript()}, {AGGREGATE_SCRIPT, aggregateScript()}}) {
            Path file = sweep.resolve(script[0]);
            DurableFiles.replace(file, script[1].getBytes(StandardCharsets.UTF_8));
            written.add(file);
        }
        return written;
    }

    /** The {@code --array} value: every trial's number, with the throttle when there is one. */
    public String arraySpec() {
        String range = "0-" + (manifest.trials().size() - 1);
        return options.throttle() == null ? range : range + "%" + options.throttle();
    }

    /** The job array, one task per trial, selected by {@code SLURM_ARRAY_TASK_ID}. */
    public String arrayScript() {
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/bash\n");
        s.append("# The trials of sweep ").append(manifest.name()).append(" (")
                .append(SweepManifest.FILE_NAME).append(", ").append(manifest.hash())
                .append("), one array task per trial.\n");
        s.append("# Written by `sparsa sweep --emit slurm`; submit it with ").append(SUBMIT_SCRIPT)
                .append(", or with sbatch from the sweep folder,\n");
        s.append("# since the log paths below are relative to the folder it is submitted from.\n");
        s.append("#SBATCH --job-name=").append(jobName()).append('\n');
        s.append("#SBATCH --array=").append(arraySpec()).append('\n');
        s.append("# Standard error joins standard output: one log per trial.\n");
        s.append("#SBATCH --output=").append(LOGS).append("/%A_%a.out\n");
        appendResources(s);
        s.append("set -euo pipefail\n\n");
        appendSparsa(s);
        s.append("sweep=").append(quote(sweep.toString())).append('\n');
        s.append("recipe=").append(quote(recipe.toString())).append("\n\n");
        s.append("case \"${SLURM_ARRAY_TASK_ID:?is not set: submit this script with sbatch}\" "
                + "in\n");
        for (Trial trial : manifest.trials()) {
            List<String> overrides = new ArrayList<>(manifest.overrides());
            overrides.addAll(trial.overrides());
            s.append("  ").append(trial.number()).append(")\n");
            s.append("    trial=").append(quote(trial.name())).append('\n');
            s.append("    overrides=(");
            for (int i = 0; i < overrides.size(); i++) {
                s.append(i == 0 ? "" : " ").append(quote(overrides.get(i)));
            }
            s.append(")\n");
            s.append("    ;;\n");
        }
        s.append("  *)\n");
        s.append("    echo \"").append(ARRAY_SCRIPT).append(": no trial $SLURM_ARRAY_TASK_ID; the "
                + "sweep has trials ").append(arraySpec().replaceAll("%.*", ""))
                .append("\" >&2\n");
        s.append("    exit 2\n");
        s.append("    ;;\n");
        s.append("esac\n\n");
        s.append("dir=\"$sweep/").append(SweepFolder.TRIALS).append("/$trial\"\n");
        s.append("# A trial is finished exactly when its folder holds ")
                .append(TrainingRun.RESULT_FILE).append(", as for a local sweep,\n");
        s.append("# so that submitting the sweep again runs only what is left.\n");
        s.append("if [ -f \"$dir/").append(TrainingRun.RESULT_FILE).append("\" ]; then\n");
        s.append("  echo \"trial $trial finished before; skipping it\"\n");
        s.append("  exit 0\n");
        s.append("fi\n");
        s.append("# A failed or interrupted attempt leaves checkpoints and metrics that must not "
                + "mix with this one.\n");
        s.append("rm -rf -- \"$dir\"\n");
        s.append("mkdir -p -- \"$dir\"\n");
        s.append("cd -- ").append(quote(workingFolder.toString())).append('\n');
        s.append("echo \"trial $trial: $SPARSA run $recipe ${overrides[*]} --folder $dir\"\n");
        s.append("\"$SPARSA\" run \"$recipe\" \"${overrides[@]}\" --folder \"$dir\" 2>&1 "
                + "| tee \"$dir/").append(SweepFolder.TRIAL_LOG).append("\"\n");
        s.append("if [ ! -f \"$dir/").append(TrainingRun.RESULT_FILE).append("\" ]; then\n");
        s.append("  echo \"trial $trial: the run ended without ").append(TrainingRun.RESULT_FILE)
                .append("\" >&2\n");
        s.append("  exit 1\n");
        s.append("fi\n");
        return s.toString();
    }

    /** The job that aggregates the sweep's results. */
    public String aggregateScript() {
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/bash\n");
        s.append("# Aggregates sweep ").append(manifest.name()).append(": results.csv, "
                + "results.md and plots/ in the sweep folder.\n");
        s.append("# Written by `sparsa sweep --emit slurm`; ").append(SUBMIT_SCRIPT)
                .append(" submits it to start once every trial succeeded.\n");
        s.append("#SBATCH --job-name=").append(jobName()).append("-aggregate\n");
        s.append("#SBATCH --output=").append(LOGS).append("/aggregate_%j.out\n");
        if (options.partition() != null) {
            s.append("#SBATCH --partition=").append(options.partition()).append('\n');
        }
        s.append("set -euo pipefail\n\n");
        appendSparsa(s);
        s.append("cd -- ").append(quote(workingFolder.toString())).append('\n');
        s.append("\"$SPARSA\" aggregate ").append(quote(sweep.toString())).append('\n');
        return s.toString();
    }

    /** Submits the array, then the aggregation depending on every task of it. */
    public String submitScript() {
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/bash\n");
        s.append("# Submits sweep ").append(manifest.name()).append(" to Slurm: its ")
                .append(manifest.trials().size()).append(" trials as a job array, then its "
                + "aggregation once every trial succeeded.\n");
        s.append("# Written by `sparsa sweep --emit slurm`. Safe to run again: finished trials "
                + "are skipped. SPARSA=/path/to/bin/sparsa\n");
        s.append("# picks the sparsa command the jobs run (sbatch passes the environment on).\n");
        s.append("set -euo pipefail\n\n");
        s.append("# The scripts' log paths are relative to the folder they are submitted from.\n");
        s.append("cd -- ").append(quote(sweep.toString())).append('\n');
        s.append("array=$(sbatch --parsable ").append(ARRAY_SCRIPT).append(")\n");
        s.append("# --parsable prints the job id, followed by ;CLUSTER on a multi-cluster "
                + "setup.\n");
        s.append("array=${array%%;*}\n");
        s.append("# afterok waits for every task of the array; if one fails, Slurm cancels the "
                + "aggregation\n");
        s.append("# rather than leave it pending (run this script again to retry the failed "
                + "trials).\n");
        s.append("aggregate=$(sbatch --parsable --dependency=afterok:\"$array\" "
                + "--kill-on-invalid-dep=yes ").append(AGGREGATE_SCRIPT).append(")\n");
        s.append("aggregate=${aggregate%%;*}\n");
        s.append("echo \"submitted: trials as job array $array, aggregation as job $aggregate "
                + "(after every trial succeeded)\"\n");
        s.append("echo \"logs: $PWD/").append(LOGS).append("/; results: $PWD/results.md\"\n");
        return s.toString();
    }

    private void appendResources(StringBuilder s) {
        if (options.partition() != null) {
            s.append("#SBATCH --partition=").append(options.partition()).append('\n');
        }
        if (options.time() != null) {
            s.append("#SBATCH --time=").append(options.time()).append('\n');
        }
        if (options.cpusPerTask() != null) {
            s.append("#SBATCH --cpus-per-task=").append(options.cpusPerTask()).append('\n');
        }
        if (options.mem() != null) {
            s.append("#SBATCH --mem=").append(options.mem()).append('\n');
        }
    }

    private void appendSparsa(StringBuilder s) {
        s.append("# The sparsa command: $SPARSA when set, else the one that wrote this "
                + "script.\n");
        s.append("if [ -z \"${SPARSA:-}\" ]; then\n");
        s.append("  SPARSA=").append(quote(sparsa)).append('\n');
        s.append("fi\n");
    }

    /**
     * The recipe's name with anything but letters, digits and {@code . _ -} made {@code _}:
     * an {@code #SBATCH} line cannot quote it.
     */
    private String jobName() {
        String name = manifest.name().replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() ? "sparsa-sweep" : name;
    }
}
