package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.launcher.DistributionScript.Output;

/**
 * A plugin that throws, hangs or returns NaN fails its own trial, named by id, bundle and
 * version; the sweep finishes with the healthy trial's results, and the distribution goes on
 * running commands, in a fresh JVM and in a framework that stays up across commands.
 */
class FaultIsolationIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAMED = "attention plugin '" + FaultyAttentionBundle.PLUGIN_ID
            + "' (" + FaultyAttentionBundle.SYMBOLIC_NAME + " " + FaultyAttentionBundle.VERSION
            + ")";
    /**
     * Small, to keep the test short, but well above a step of the tiny model even on a loaded
     * machine, where the first step and its durable checkpoint can take seconds.
     */
    private static final String STEP_TIMEOUT = "10";

    @Test
    void aSweepOutlivesTrialsWhosePluginThrowsHangsOrDiverges(@TempDir Path folder)
            throws Exception {
        Path home = distribution(folder);
        try {
            Path recipe = recipe(folder);
            Path sweep = folder.resolve("sweep");
            long start = System.nanoTime();
            Output swept = DistributionScript.run(home, folder, List.of("sweep",
                    recipe.toString(), "model.attention.config.fail=none,throw,hang,nan",
                    "--workers", "2", "--out", sweep.toString()));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(1, swept.exit(), swept::toString);
            assertTrue(swept.out().contains("0 skipped (finished before), 1 finished now, "
                    + "3 failed"), swept::toString);

            Path healthy = trial(sweep, "none");
            JsonNode result = JSON.readTree(healthy.resolve("result.json").toFile());
            assertEquals("completed", result.get("status").asText());
            assertEquals(6, result.get("steps").asLong());

            String thrown = failure(swept, "throw");
            assertTrue(thrown.contains(NAMED + " failed in " + FaultyAttentionBundle.CLASS_NAME
                    + "$Layer.forward(FaultyAttention.java:"), thrown);
            assertTrue(thrown.contains("java.lang.IllegalStateException: fails on purpose in "
                    + "call 3"), thrown);

            String hung = failure(swept, "hang");
            assertTrue(hung.contains("step 3 of stage 'train' did not finish within "
                    + STEP_TIMEOUT + " s (step_timeout); it is stuck in " + NAMED + " at "
                    + FaultyAttentionBundle.CLASS_NAME + "$Layer.hang(FaultyAttention.java:"),
                    hung);
            Path stuck = trial(sweep, "hang");
            assertFalse(Files.exists(stuck.resolve("result.json")));
            assertEquals("step-000002", Files.readString(stuck.resolve("checkpoints/latest"))
                    .strip(), "the step before the hang is kept");
            assertTrue(Files.readString(stuck.resolve("report.md")).contains("status: failed"));
            assertTrue(Files.readString(stuck.resolve("run.log")).contains("Thread.sleep"),
                    "the stuck thread's stack is in the run's log");

            String diverged = failure(swept, "nan");
            assertTrue(diverged.contains("the limit max_nonfinite_steps is 1")
                    && diverged.contains("The model's attention: " + NAMED + " in every layer"),
                    diverged);
            assertTrue(seconds < 180, "the sweep took " + seconds + " s");

            // The same distribution still lists its plugins and runs a recipe.
            Output plugins = DistributionScript.run(home, folder, List.of("plugins"));
            assertEquals(0, plugins.exit(), plugins::toString);
            assertTrue(plugins.out().contains(FaultyAttentionBundle.PLUGIN_ID), plugins::toString);
            Output run = DistributionScript.run(home, folder, List.of("run", recipe.toString(),
                    "stages.0.steps=2", "output.dir=" + folder.resolve("after")));
            assertEquals(0, run.exit(), run::toString);
        } finally {
            unlink(home);
        }
    }

    @Test
    void aRunThatHangsInsideALongLivedFrameworkFailsAndTheFrameworkRunsOn(@TempDir Path folder)
            throws Exception {
        Path home = distribution(folder);
        try (EmbeddedFramework framework = EmbeddedFramework.start(Distribution.at(home),
                Map.of())) {
            Path recipe = recipe(folder);
            Output hung = PluginProjects.run(framework, "run", recipe.toString(),
                    "model.attention.config.fail=hang", "output.dir=" + folder.resolve("hung"));
            assertEquals(1, hung.exit(), hung::toString);
            assertTrue(hung.err().contains("did not finish within " + STEP_TIMEOUT
                    + " s (step_timeout); it is stuck in " + NAMED), hung::toString);

            Output plugins = PluginProjects.run(framework, "plugins");
            assertEquals(0, plugins.exit(), plugins::toString);
            Output healthy = PluginProjects.run(framework, "run", recipe.toString(),
                    "stages.0.steps=2", "output.dir=" + folder.resolve("healthy"));
            assertEquals(0, healthy.exit(), healthy::toString);
            assertTrue(Files.exists(folder.resolve("healthy/result.json")));
        } finally {
            unlink(home);
        }
    }

    /** A distribution of the test's own whose only plugin is the faulty one. */
    private static Path distribution(Path folder) throws IOException {
        Path home = RunSwapIT.privateDistribution(folder.resolve("sparsa"));
        Files.write(home.resolve("bundles/plugins/faulty.jar"), FaultyAttentionBundle.jar());
        return home;
    }

    /** The links into the built distribution go before the temporary folder is deleted. */
    private static void unlink(Path home) throws IOException {
        Files.deleteIfExists(home.resolve("lib"));
        Files.deleteIfExists(home.resolve("bundles/system"));
    }

    /** The trial whose {@code fail} is {@code value}. */
    private static Path trial(Path sweep, String value) throws IOException {
        try (Stream<Path> trials = Files.list(sweep.resolve("trials"))) {
            return trials.filter(t -> t.getFileName().toString().endsWith("fail=" + value))
                    .findFirst().orElseThrow(() -> new AssertionError("no trial fail=" + value));
        }
    }

    /** The sweep's line about the failed trial whose {@code fail} is {@code value}. */
    private static String failure(Output swept, String value) {
        return swept.err().lines().filter(l -> l.contains("fail=" + value + ": exit 1: "))
                .findFirst().orElseThrow(() -> new AssertionError("no failure reported for "
                        + "fail=" + value + "\n" + swept));
    }

    /**
     * A two-layer model on the faulty plugin, learning a generated text: six steps with a
     * checkpoint every second one, a {@value #STEP_TIMEOUT} s step timeout, one non-finite step
     * allowed.
     */
    private static Path recipe(Path folder) throws IOException {
        return TinyCorpusRecipe.write(folder, "faulty", FaultyAttentionBundle.PLUGIN_ID, """
                  - name: train
                    kind: pretrain
                    steps: 6
                    batch: 2
                    seq_len: 32
                    lr: 1.0e-3
                    checkpoint_every: 2
                    step_timeout: %s
                    max_nonfinite_steps: 1
                """.formatted(STEP_TIMEOUT));
    }
}
