package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.runner.internal.run.ShippedPlugins;
import org.sparsa.runner.internal.sweep.Trial;
import org.sparsa.runner.internal.sweep.TrialLauncher;
import picocli.CommandLine;

/**
 * {@code sparsa sweep} with its trials run by an in-process stand-in that writes what a run
 * writes, so that planning, the folder, reruns and aggregation are tested without child JVMs
 * (the distribution's integration test runs real ones).
 */
class SweepCommandTest {
    private static final String RECIPE = """
            name: tiny
            seed: 3
            backend: java
            model: {dim: 16, layers: 1, heads: 2, max_seq: 48}
            task: {id: mqar, config: {pairs: 2, queries: 1, eval_size: 8}}
            stages:
              - kind: pretrain
                steps: 6
                batch: 4
                seq_len: 48
                lr: 3.0e-3
            sweep:
              parameters:
                stages.0.lr: [1.0e-3, 3.0e-3]
              seeds: [0, 1]
              metric: eval/recall
              goal: max
            """;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final FakeRuns runs = new FakeRuns();

    /** Writes a run's metrics and result, or fails for the trials named in {@link #failing}. */
    private static final class FakeRuns implements TrialLauncher {
        final List<String> launched = Collections.synchronizedList(new ArrayList<>());
        final Set<String> failing = Collections.synchronizedSet(new HashSet<>());
        final List<List<String>> sweepOverrides = Collections.synchronizedList(
                new ArrayList<>());

        @Override
        public int launch(Trial trial, Path folder, Path log) throws IOException {
            try (var files = Files.list(folder)) {
                assertEquals(List.of(), files.toList(), "a trial starts in an empty folder");
            }
            launched.add(trial.name());
            Files.writeString(log, "training " + trial.name() + "\n");
            double lr = Double.parseDouble(trial.parameters().get("stages.0.lr"));
            double recall = lr * 100 + trial.seed() * 0.01;
            Files.writeString(folder.resolve("metrics.jsonl"),
                    "{\"stage\":\"pretrain\",\"step\":1,\"loss\":2.0}\n"
                    + "{\"stage\":\"pretrain\",\"step\":6,\"loss\":1.0,\"eval/recall\":"
                    + recall + "}\n");
            if (failing.contains(trial.name())) {
                Files.writeString(log, "tiny.yaml: the run failed: task plugin 'mqar' failed in "
                        + "Mqar.sample(Mqar.java:9): boom\nits folder keeps the log\n",
                        StandardOpenOption.APPEND);
                return 3;
            }
            Files.writeString(folder.resolve("result.json"), "{\"status\":\"completed\","
                    + "\"seed\":" + trial.seed() + ",\"steps\":6,\"loss\":1.0,"
                    + "\"eval/recall\":" + recall + "}");
            return 0;
        }
    }

    private int sweep(Path dir, String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine line = new CommandLine(new SweepCommand(ShippedPlugins::new,
                (recipe, overrides, working) -> {
                    runs.sweepOverrides.add(overrides);
                    return runs;
                }, dir));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }

    private static Path recipe(Path dir, String text) throws IOException {
        Path recipe = dir.resolve("tiny.yaml");
        Files.writeString(recipe, text);
        return recipe;
    }

    @Test
    void runsEveryTrialRecordsTheSweepAndAggregates(@TempDir Path dir) throws Exception {
        Path recipe = recipe(dir, RECIPE);
        assertEquals(0, sweep(dir, recipe.toString(), "stages.0.steps=5", "--workers", "2"),
                err::toString);
        Path sweep = dir.resolve("runs/tiny-sweep");
        assertEquals(Set.of("0-lr=0.001_seed=0", "1-lr=0.001_seed=1", "2-lr=0.003_seed=0",
                "3-lr=0.003_seed=1"), new HashSet<>(runs.launched));
        assertEquals(List.of(List.of("stages.0.steps=5")), runs.sweepOverrides);

        JsonNode manifest = YAML.readTree(sweep.resolve("sweep.yaml").toFile());
        assertEquals(recipe.toString(), manifest.get("recipe").asText());
        assertEquals("tiny", manifest.get("name").asText());
        assertEquals("stages.0.steps=5", manifest.get("overrides").get(0).asText());
        assertEquals("grid", manifest.get("sweep").get("method").asText());
        assertEquals(2, manifest.get("sweep").get("parameters").get("stages.0.lr").size());
        assertEquals("eval/recall", manifest.get("metric").asText());
        assertEquals("max", manifest.get("goal").asText());
        assertTrue(manifest.get("hash").asText().matches("sha256:[0-9a-f]{64}"),
                manifest::toString);
        JsonNode third = manifest.get("trials").get(2);
        assertEquals(2, third.get("number").asInt());
        assertEquals("2-lr=0.003_seed=0", third.get("name").asText());
        assertEquals("lr=0.003", third.get("configuration").asText());
        assertEquals(0, third.get("seed").asLong());
        assertEquals("[\"stages.0.lr=0.003\",\"seed=0\"]", third.get("overrides").toString());

        for (String trial : runs.launched) {
            assertTrue(Files.isRegularFile(sweep.resolve("trials").resolve(trial)
                    .resolve("trial.log")), trial);
        }
        String results = Files.readString(sweep.resolve("results.md"));
        assertTrue(results.contains("**lr=0.003** (best)"), results);
        assertTrue(out.toString().contains("sweep 4/4 done · 0 running · 0 failed · eta 0s · "
                + "best eval/recall 0.31 (3-lr=0.003_seed=1)"), out::toString);
    }

    @Test
    void aRerunSkipsFinishedTrialsAndRetriesFailedOnes(@TempDir Path dir) throws Exception {
        Path recipe = recipe(dir, RECIPE);
        runs.failing.add("1-lr=0.001_seed=1");
        assertEquals(1, sweep(dir, recipe.toString(), "--workers", "1"), out::toString);
        assertEquals(4, runs.launched.size(), "the other trials still run");
        assertTrue(err.toString().contains("1-lr=0.001_seed=1: exit 3: task plugin 'mqar' "
                + "failed in Mqar.sample(Mqar.java:9): boom; see "
                + "trials/1-lr=0.001_seed=1/trial.log"), err::toString);
        Path failed = dir.resolve("runs/tiny-sweep/trials/1-lr=0.001_seed=1");
        assertTrue(Files.exists(failed.resolve("metrics.jsonl")));
        assertFalse(Files.exists(failed.resolve("result.json")));
        assertTrue(Files.readString(dir.resolve("runs/tiny-sweep/results.md"))
                .contains("| 1/2 |"), "the failed seed is counted, not averaged");

        runs.failing.clear();
        runs.launched.clear();
        assertEquals(0, sweep(dir, recipe.toString()), err::toString);
        // The fake asserts that the failed trial's folder was emptied before its rerun.
        assertEquals(List.of("1-lr=0.001_seed=1"), runs.launched);
        assertTrue(out.toString().contains("3 skipped (finished before), 1 finished now, "
                + "0 failed"), out::toString);

        runs.launched.clear();
        assertEquals(0, sweep(dir, recipe.toString()), err::toString);
        assertEquals(List.of(), runs.launched);
    }

    @Test
    void anotherSweepInTheSameFolderIsRefused(@TempDir Path dir) throws Exception {
        Path recipe = recipe(dir, RECIPE);
        assertEquals(0, sweep(dir, recipe.toString(), "--out", "sweep"), err::toString);
        String hash = YAML.readTree(dir.resolve("sweep/sweep.yaml").toFile()).get("hash")
                .asText();
        runs.launched.clear();
        assertEquals(2, sweep(dir, recipe.toString(), "--out", "sweep", "stages.0.steps=5"));
        assertTrue(err.toString().contains(dir.resolve("sweep") + " holds another sweep: its "
                + "sweep.yaml has " + hash), err::toString);
        assertTrue(err.toString().contains("this sweep has sha256:"), err::toString);
        assertEquals(List.of(), runs.launched);
        // The metric and goal rank results only, so changing them keeps the sweep.
        assertEquals(0, sweep(dir, recipe.toString(), "--out", "sweep",
                "sweep.metric=loss", "sweep.goal=min"), err::toString);
        assertEquals(List.of(), runs.launched);
        assertEquals("loss", YAML.readTree(dir.resolve("sweep/sweep.yaml").toFile())
                .get("metric").asText());
    }

    @Test
    void aBadValueInOneTrialStopsTheSweepBeforeAnythingRuns(@TempDir Path dir)
            throws Exception {
        Path recipe = recipe(dir, RECIPE);
        assertEquals(1, sweep(dir, recipe.toString(), "stages.0.batch=4,0"));
        assertEquals(List.of(), runs.launched);
        assertFalse(Files.exists(dir.resolve("runs")), "nothing is written");
        String errors = err.toString();
        assertTrue(errors.contains("invalid: " + recipe + " (4 of 8 trials are invalid; "
                + "nothing was run)"), errors);
        assertTrue(errors.contains("  trial 2-lr=0.001_batch=0_seed=0 (stages.0.lr=0.001 "
                + "stages.0.batch=0 seed=0):\n    stages[0].batch: expected an integer of at "
                + "least 1, found 0 (override 'stages.0.batch=0')"), errors);
        assertTrue(errors.contains("trial 7-lr=0.003_batch=0_seed=1"), errors);
        assertFalse(errors.contains("trial 0-"), errors);
    }

    @Test
    void commandLineListsSweepARecipeWithoutABlock(@TempDir Path dir) throws Exception {
        Path recipe = recipe(dir, RECIPE.substring(0, RECIPE.indexOf("sweep:")));
        assertEquals(0, sweep(dir, recipe.toString(), "--dry-run", "stages.0.lr=1e-3,2e-3",
                "model.attention={id: nsa, config: {block_len: 8, stride: 4, select_block: 8, "
                        + "select_count: 2, window: 16}},{id: full}"), err::toString);
        assertEquals("""
                valid: 4 trials
                  0-lr=0.001_attention=nsa  stages.0.lr=0.001 model.attention={"id":"nsa",\
                "config":{"block_len":8,"stride":4,"select_block":8,"select_count":2,\
                "window":16}}
                  1-lr=0.001_attention=full  stages.0.lr=0.001 model.attention={"id":"full"}
                  2-lr=0.002_attention=nsa  stages.0.lr=0.002 model.attention={"id":"nsa",\
                "config":{"block_len":8,"stride":4,"select_block":8,"select_count":2,\
                "window":16}}
                  3-lr=0.002_attention=full  stages.0.lr=0.002 model.attention={"id":"full"}
                """, out.toString());
        assertEquals(List.of(), runs.launched);
        assertFalse(Files.exists(dir.resolve("runs")));
    }

    @Test
    void aRecipeWithNothingToSweepIsRefused(@TempDir Path dir) throws Exception {
        Path recipe = recipe(dir, RECIPE.substring(0, RECIPE.indexOf("sweep:")));
        assertEquals(1, sweep(dir, recipe.toString(), "stages.0.lr=1e-3"));
        assertTrue(err.toString().contains("sweep: nothing to sweep"), err::toString);
    }

    @Test
    void emitSlurmWritesTheManifestAndScriptsAndRunsNothing(@TempDir Path dir)
            throws Exception {
        Path recipe = recipe(dir, RECIPE);
        assertEquals(0, sweep(dir, recipe.toString(), "stages.0.steps=5", "--emit", "slurm",
                "--throttle", "3", "--partition", "gpu", "--mem", "8G"), err::toString);
        assertEquals(List.of(), runs.launched);
        Path sweep = dir.resolve("runs/tiny-sweep");
        JsonNode manifest = YAML.readTree(sweep.resolve("sweep.yaml").toFile());
        assertEquals(4, manifest.get("trials").size());
        String array = Files.readString(sweep.resolve("sweep.sbatch"));
        assertTrue(array.contains("\n#SBATCH --array=0-3%3\n"), array);
        assertTrue(array.contains("\n#SBATCH --job-name=tiny\n"), array);
        assertTrue(array.contains("\n#SBATCH --partition=gpu\n#SBATCH --mem=8G\n"), array);
        assertTrue(array.contains("""
                  3)
                    trial='3-lr=0.003_seed=1'
                    overrides=('stages.0.steps=5' 'stages.0.lr=0.003' 'seed=1')
                    ;;
                """), array);
        assertTrue(Files.readString(sweep.resolve("submit.sh"))
                .contains("--dependency=afterok:"));
        assertTrue(Files.readString(sweep.resolve("aggregate.sbatch")).contains("aggregate"));
        assertTrue(Files.isDirectory(sweep.resolve("slurm")));
        assertFalse(Files.exists(sweep.resolve("results.md")), "nothing ran to aggregate");
        assertTrue(out.toString().contains("slurm: 4 trials as job array 0-3%3; wrote\n  "
                + sweep.resolve("submit.sh") + "\n"), out::toString);
        assertTrue(out.toString().contains("submit with: bash " + sweep.resolve("submit.sh")),
                out::toString);

        // Emitting again keeps the sweep: the folder's trials and finished results stay.
        Path finished = Files.createDirectories(sweep.resolve("trials/0-lr=0.001_seed=0"));
        Files.writeString(finished.resolve("result.json"), "{}");
        assertEquals(0, sweep(dir, recipe.toString(), "stages.0.steps=5", "--emit", "slurm"),
                err::toString);
        assertTrue(Files.exists(finished.resolve("result.json")));
        assertTrue(Files.readString(sweep.resolve("sweep.sbatch"))
                .contains("\n#SBATCH --array=0-3\n"));
    }

    @Test
    void emitSlurmWritesNothingWhenATrialIsInvalid(@TempDir Path dir) throws Exception {
        Path recipe = recipe(dir, RECIPE);
        assertEquals(1, sweep(dir, recipe.toString(), "stages.0.batch=4,0", "--emit",
                "slurm"));
        assertFalse(Files.exists(dir.resolve("runs")), "nothing is written");
        assertTrue(err.toString().contains("4 of 8 trials are invalid; nothing was run"),
                err::toString);
    }

    @Test
    void slurmOptionsNeedEmitSlurmAndExcludeWorkers(@TempDir Path dir) throws Exception {
        Path recipe = recipe(dir, RECIPE);
        assertEquals(2, sweep(dir, recipe.toString(), "--throttle", "2"));
        assertTrue(err.toString().contains("error: --throttle applies to Slurm sweeps only; "
                + "add --emit slurm"), err::toString);
        assertEquals(2, sweep(dir, recipe.toString(), "--emit", "pbs"));
        assertTrue(err.toString().contains("error: --emit: expected slurm, found 'pbs'"),
                err::toString);
        assertEquals(2, sweep(dir, recipe.toString(), "--emit", "slurm", "--workers", "2"));
        assertTrue(err.toString().contains("--workers applies to local sweeps only"),
                err::toString);
        assertEquals(2, sweep(dir, recipe.toString(), "--emit", "slurm", "--time", "1 day"));
        assertTrue(err.toString().contains("error: --time: expected a Slurm value"),
                err::toString);
        assertEquals(List.of(), runs.launched);
        assertFalse(Files.exists(dir.resolve("runs")), "nothing is written");
        assertEquals(0, sweep(dir, "--help"));
        // Picocli reads descriptions as format strings: the throttle's %N must show as such.
        assertTrue(out.toString().replaceAll("\\s+", " ").contains("at most N trials run at "
                + "once (the array's %N)"), out::toString);
    }

    @Test
    void clusterOptionsNeedClusterAndExcludeWorkersAndSlurm(@TempDir Path dir)
            throws Exception {
        Path recipe = recipe(dir, RECIPE);
        assertEquals(2, sweep(dir, recipe.toString(), "--members", "127.0.0.1:5701"));
        assertTrue(err.toString().contains("error: --members applies to clustered sweeps "
                + "only; add --cluster"), err::toString);
        assertEquals(2, sweep(dir, recipe.toString(), "--slots", "1"));
        assertTrue(err.toString().contains("error: --slots applies to clustered sweeps only"),
                err::toString);
        assertEquals(2, sweep(dir, recipe.toString(), "--cluster", "--workers", "2"));
        assertTrue(err.toString().contains("error: --workers applies to local sweeps only; "
                + "with --cluster, each worker's --slots"), err::toString);
        assertEquals(2, sweep(dir, recipe.toString(), "--cluster", "--emit", "slurm"));
        assertTrue(err.toString().contains("error: --cluster and --emit exclude each other"),
                err::toString);
        assertEquals(2, sweep(dir, recipe.toString(), "--cluster", "--members", "node"));
        assertTrue(err.toString().contains("error: --members: expected HOST:PORT, found "
                + "'node'"), err::toString);
        assertEquals(2, sweep(dir, recipe.toString(), "--cluster", "--slots", "-1"));
        assertTrue(err.toString().contains("error: --slots: expected 0 or more, found -1"),
                err::toString);
        assertEquals(List.of(), runs.launched);
        assertFalse(Files.exists(dir.resolve("runs")), "nothing is written");
    }

    @Test
    void clusteredSweepWhoseCoordinatorTakesTrialsRunsThemAll(@TempDir Path dir)
            throws Exception {
        Path recipe = recipe(dir, RECIPE);
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertEquals(0, sweep(dir, recipe.toString(), "stages.0.steps=5", "--cluster",
                "--slots", "2", "--port", Integer.toString(port)), err::toString);
        Path sweep = dir.resolve("runs/tiny-sweep");
        String hash = YAML.readTree(sweep.resolve("sweep.yaml").toFile()).get("hash").asText();
        String name = "sparsa-" + hash.substring("sha256:".length(), "sha256:".length() + 8);
        assertTrue(out.toString().contains("cluster: " + name + ", coordinator 127.0.0.1:" + port
                + ", 1 members; add workers with: sparsa worker --join 127.0.0.1:" + port
                + " --cluster " + name), out::toString);
        assertEquals(Set.of("0-lr=0.001_seed=0", "1-lr=0.001_seed=1", "2-lr=0.003_seed=0",
                "3-lr=0.003_seed=1"), new HashSet<>(runs.launched));
        assertEquals(4, runs.launched.size());
        assertEquals(List.of(List.of("stages.0.steps=5")), runs.sweepOverrides.stream()
                .distinct().toList());
        for (String trial : runs.launched) {
            Path run = sweep.resolve("trials").resolve(trial);
            assertTrue(Files.isRegularFile(run.resolve("result.json")), trial);
            assertEquals("training " + trial + "\n", Files.readString(run.resolve(
                    "trial.log")));
        }
        assertTrue(out.toString().contains("0 skipped (finished before), 4 finished now, "
                + "0 failed"), out::toString);
        assertEquals(3, Files.readAllLines(sweep.resolve("results.csv")).size());
    }
}
