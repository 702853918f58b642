package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Slurm scripts of a sweep, run with bash where it is installed: {@code sparsa} and
 * {@code sbatch} are stand-ins that record their arguments, so that what a job would run is
 * checked word for word.
 */
class SlurmScriptsTest {
    /** An override with spaces, braces, both quotes and a dollar, which must reach run whole. */
    private static final String MAPPING = "model.attention={\"id\": \"nsa\", 'config': "
            + "{window: 32}} $HOME";
    private static final SweepManifest MANIFEST = new SweepManifest("tiny.yaml", "tiny sweep",
            List.of("stages.0.steps=5"), Map.of(), "loss", "min", "sha256:00", List.of(
                    trial(0, "0-attention=nsa_seed=0", MAPPING, "seed=0"),
                    trial(1, "1-attention=nsa_seed=1", MAPPING, "seed=1"),
                    trial(2, "2-attention=full_seed=0", "model.attention={id: full}",
                            "seed=0")));

    @TempDir
    Path dir;
    private Path sweep;
    private Path work;
    private Path calls;
    private Path fakeSparsa;

    private static Trial trial(int number, String name, String attention, String seed) {
        return new Trial(number, name, "attention", Map.of("model.attention", "x"),
                Long.parseLong(seed.substring(5)), List.of(attention, seed));
    }

    @BeforeEach
    void folders() throws IOException {
        sweep = Files.createDirectories(dir.resolve("my runs/tiny-sweep"));
        work = Files.createDirectories(dir.resolve("work dir"));
        calls = dir.resolve("calls");
        // Records its arguments NUL-separated and its working folder, then finishes the trial
        // the way a run does, by writing result.json into --folder (its last argument).
        fakeSparsa = executable(dir.resolve("fake sparsa"), """
                #!/bin/bash
                printf '%s\\0' "$@" > "$CALLS"
                pwd > "$CALLS.pwd"
                echo "training"
                for last; do :; done
                if [ "$1" = run ]; then touch "$last/result.json"; fi
                """);
    }

    private SlurmScripts scripts(SlurmOptions options) {
        return new SlurmScripts(MANIFEST, sweep, Path.of("recipes/tiny.yaml"), work,
                "/opt/sparsa/bin/sparsa", options);
    }

    private static Path executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** Runs {@code script} with bash in the sweep folder; returns its exit code. */
    private int bash(Path script, Map<String, String> environment, StringBuilder output)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString())
                .directory(sweep.toFile()).redirectErrorStream(true);
        builder.environment().remove("SLURM_ARRAY_TASK_ID");
        builder.environment().remove("SPARSA");
        builder.environment().put("CALLS", calls.toString());
        builder.environment().putAll(environment);
        Process process = builder.start();
        output.append(new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8));
        return process.waitFor();
    }

    private int task(int index, StringBuilder output) throws Exception {
        return bash(sweep.resolve(SlurmScripts.ARRAY_SCRIPT), Map.of("SLURM_ARRAY_TASK_ID",
                String.valueOf(index), "SPARSA", fakeSparsa.toString()), output);
    }

    private List<String> recorded() throws IOException {
        String text = Files.readString(calls);
        assertTrue(text.endsWith("\0"), text);
        return Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1));
    }

    @Test
    void theArrayHasATaskPerTrialAndTheThrottleWhenGiven() {
        String plain = scripts(SlurmOptions.NONE).arrayScript();
        assertTrue(plain.contains("\n#SBATCH --array=0-2\n"), plain);
        assertTrue(plain.contains("\n#SBATCH --job-name=tiny_sweep\n"), plain);
        assertTrue(plain.contains("\n#SBATCH --output=slurm/%A_%a.out\n"), plain);
        assertFalse(plain.contains("--partition") || plain.contains("--time")
                || plain.contains("--mem") || plain.contains("--cpus-per-task"), plain);

        String throttled = scripts(new SlurmOptions(2, "gpu", "4:00:00", 8, "16G"))
                .arrayScript();
        assertTrue(throttled.contains("\n#SBATCH --array=0-2%2\n"), throttled);
        assertTrue(throttled.contains("\n#SBATCH --partition=gpu\n#SBATCH --time=4:00:00\n"
                + "#SBATCH --cpus-per-task=8\n#SBATCH --mem=16G\n"), throttled);
        // sbatch stops reading #SBATCH lines at the first command.
        assertTrue(throttled.indexOf("#SBATCH --mem") < throttled.indexOf("set -euo"));
        String aggregate = scripts(new SlurmOptions(2, "gpu", "4:00:00", 8, "16G"))
                .aggregateScript();
        assertTrue(aggregate.contains("\n#SBATCH --partition=gpu\n"), aggregate);
        assertFalse(aggregate.contains("--array") || aggregate.contains("--mem"), aggregate);
    }

    @Test
    void optionsThatSbatchCannotReadAreRefused() {
        assertEquals("--throttle: expected at least 1, found 0", assertThrows(
                IllegalArgumentException.class, () -> new SlurmOptions(0, null, null, null,
                        null)).getMessage());
        assertEquals("--partition: expected a Slurm value of letters, digits and . _ : , + @ -, "
                + "found 'gpu a100'", assertThrows(IllegalArgumentException.class,
                        () -> new SlurmOptions(null, "gpu a100", null, null, null))
                .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SlurmOptions(null, null,
                "1:00\n#SBATCH --x", null, null));
        assertThrows(IllegalArgumentException.class, () -> new SlurmOptions(null, null, null,
                0, null));
    }

    @Test
    void theDistributionsSparsaIsTheDefault() {
        assertEquals(Path.of("/opt/sparsa/bin/sparsa").toString(),
                SlurmScripts.defaultSparsa("/opt/sparsa"));
        assertEquals("sparsa", SlurmScripts.defaultSparsa(null));
        String script = scripts(SlurmOptions.NONE).arrayScript();
        assertTrue(script.contains("if [ -z \"${SPARSA:-}\" ]; then\n"
                + "  SPARSA='/opt/sparsa/bin/sparsa'\nfi\n"), script);
    }

    @Test
    void eachTaskRunsItsTrialsArgumentsInItsFolder() throws Exception {
        assumeTrue(Bash.available(), "bash is not installed");
        List<Path> written = scripts(SlurmOptions.NONE).write();
        assertEquals(List.of(sweep.resolve("submit.sh"), sweep.resolve("sweep.sbatch"),
                sweep.resolve("aggregate.sbatch")), written);
        assertTrue(Files.isDirectory(sweep.resolve("slurm")));
        String recipe = work.resolve("recipes/tiny.yaml").toString();
        for (Trial trial : MANIFEST.trials()) {
            StringBuilder output = new StringBuilder();
            assertEquals(0, task(trial.number(), output), output::toString);
            Path folder = sweep.resolve("trials").resolve(trial.name());
            List<String> expected = new ArrayList<>(List.of("run", recipe, "stages.0.steps=5"));
            expected.addAll(trial.overrides());
            expected.addAll(List.of("--folder", folder.toString()));
            assertEquals(expected, recorded(), trial.name());
            assertEquals(work.toString(), Files.readString(dir.resolve("calls.pwd")).strip(),
                    "trials run in the working folder, as local ones do");
            assertEquals("training\n", Files.readString(folder.resolve("trial.log")));
        }
    }

    @Test
    void aFinishedTrialIsSkippedAndAFailedOneStartsAfresh() throws Exception {
        assumeTrue(Bash.available(), "bash is not installed");
        scripts(SlurmOptions.NONE).write();
        Path finished = Files.createDirectories(sweep.resolve("trials/1-attention=nsa_seed=1"));
        Files.writeString(finished.resolve("result.json"), "{}");
        StringBuilder output = new StringBuilder();
        assertEquals(0, task(1, output), output::toString);
        assertFalse(Files.exists(calls), "a finished trial does not run");
        assertTrue(output.toString().contains("trial 1-attention=nsa_seed=1 finished before; "
                + "skipping it"), output::toString);

        Path failed = Files.createDirectories(sweep.resolve("trials/2-attention=full_seed=0"));
        Files.writeString(failed.resolve("metrics.jsonl"), "{}\n");
        assertEquals(0, task(2, new StringBuilder()));
        assertFalse(Files.exists(failed.resolve("metrics.jsonl")), "the old attempt is gone");
        assertTrue(Files.exists(failed.resolve("result.json")));
    }

    @Test
    void aTrialThatFailsOrWritesNoResultFailsItsTask() throws Exception {
        assumeTrue(Bash.available(), "bash is not installed");
        scripts(SlurmOptions.NONE).write();
        Path failing = executable(dir.resolve("failing"), "#!/bin/bash\necho broken\nexit 3\n");
        StringBuilder output = new StringBuilder();
        assertEquals(3, bash(sweep.resolve("sweep.sbatch"), Map.of("SLURM_ARRAY_TASK_ID", "0",
                "SPARSA", failing.toString()), output), output::toString);
        Path silent = executable(dir.resolve("silent"), "#!/bin/bash\nexit 0\n");
        output.setLength(0);
        assertEquals(1, bash(sweep.resolve("sweep.sbatch"), Map.of("SLURM_ARRAY_TASK_ID", "0",
                "SPARSA", silent.toString()), output), output::toString);
        assertTrue(output.toString().contains("the run ended without result.json"),
                output::toString);

        output.setLength(0);
        assertEquals(2, task(3, output));
        assertTrue(output.toString().contains("no trial 3; the sweep has trials 0-2"),
                output::toString);
        output.setLength(0);
        assertEquals(1, bash(sweep.resolve("sweep.sbatch"), Map.of("SPARSA",
                fakeSparsa.toString()), output));
        assertTrue(output.toString().contains("SLURM_ARRAY_TASK_ID: is not set"),
                output::toString);
    }

    @Test
    void theAggregationRunsAggregateOnTheSweepFolder() throws Exception {
        assumeTrue(Bash.available(), "bash is not installed");
        scripts(SlurmOptions.NONE).write();
        StringBuilder output = new StringBuilder();
        assertEquals(0, bash(sweep.resolve("aggregate.sbatch"), Map.of("SPARSA",
                fakeSparsa.toString()), output), output::toString);
        assertEquals(List.of("aggregate", sweep.toString()), recorded());
    }

    @Test
    void submitChainsTheAggregationAfterEveryTrial() throws Exception {
        assumeTrue(Bash.available(), "bash is not installed");
        scripts(SlurmOptions.NONE).write();
        Path bin = Files.createDirectories(dir.resolve("bin"));
        // The first submission answers as a multi-cluster setup does: ID;CLUSTER.
        executable(bin.resolve("sbatch"), """
                #!/bin/bash
                echo "$PWD|$*" >> "$CALLS"
                if [ "${@: -1}" = sweep.sbatch ]; then echo '4242;main'; else echo 4243; fi
                """);
        StringBuilder output = new StringBuilder();
        assertEquals(0, bash(sweep.resolve("submit.sh"), Map.of("PATH", bin + ":"
                + System.getenv("PATH")), output), output::toString);
        assertEquals(List.of(sweep + "|--parsable sweep.sbatch", sweep + "|--parsable "
                + "--dependency=afterok:4242 --kill-on-invalid-dep=yes aggregate.sbatch"),
                Files.readAllLines(calls));
        assertTrue(output.toString().contains("submitted: trials as job array 4242, "
                + "aggregation as job 4243"), output::toString);
    }
}
