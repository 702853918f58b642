package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.stage.StageKind;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskScore;
import org.sparsa.api.task.TaskSource;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.task.internal.MqarSource;
import org.sparsa.runner.internal.plugins.PluginSource;
import org.sparsa.runner.internal.run.ShippedPlugins;
import picocli.CommandLine;

class RunCommandTest {
    /** A model and task small enough to train a few steps in a unit test. */
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
                eval_every: 3
                checkpoint_every: 3
                config: {eval_examples: 8}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    private int run(Path workingFolder, PluginSource plugins, String... args) {
        CommandLine line = new CommandLine(new RunCommand(ShippedPlugins::new, () -> plugins,
                () -> List.of("org.sparsa.runner 0.1.0"), workingFolder,
                new PrintStream(console, true, StandardCharsets.UTF_8)));
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args);
    }

    private static Path recipe(Path dir) throws IOException {
        Path recipe = dir.resolve("tiny.yaml");
        Files.writeString(recipe, RECIPE);
        return recipe;
    }

    @Test
    void runsARecipeWithASweepAsWrittenAndSaysSo(@TempDir Path dir) throws Exception {
        Path recipe = dir.resolve("swept.yaml");
        Files.writeString(recipe, RECIPE + "sweep:\n  parameters: {stages.0.lr: [1.0e-3, "
                + "2.0e-3]}\n");
        assertEquals(0, run(dir, new ShippedPlugins(), recipe.toString(), "stages.0.steps=2",
                "output.dir=out"), err.toString());
        assertTrue(out.toString().contains("note: " + recipe + " defines a sweep, which "
                + "`sparsa run` leaves out; `sparsa sweep " + recipe + "` runs its trials"),
                out::toString);
        assertTrue(Files.readString(dir.resolve("out/config.resolved.yaml"))
                .contains("lr: 0.003"), "the recipe's own lr");
    }

    @Test
    void scaleMakesTheRunLongerAndTheResolvedRecipeSaysHowLong(@TempDir Path dir)
            throws Exception {
        assertEquals(0, run(dir, new ShippedPlugins(), recipe(dir).toString(), "--scale", "0.5",
                "output.dir=out"), err.toString());
        String resolved = Files.readString(dir.resolve("out/config.resolved.yaml"));
        assertTrue(resolved.contains("steps: 3") && resolved.contains("eval_every: 2"),
                resolved);
        assertEquals(3, Files.readAllLines(dir.resolve("out/metrics.jsonl")).stream()
                .filter(line -> line.contains("\"loss\"")).count(), "three training steps");

        assertEquals(1, run(dir, new ShippedPlugins(), recipe(dir).toString(), "--scale", "0",
                "output.dir=refused"));
        assertTrue(err.toString().contains("--scale: expected a positive number, found 0.0"),
                err::toString);
        assertFalse(Files.exists(dir.resolve("refused")), "nothing written");
    }

    @Test
    void runsInAGivenFolderThatHoldsOnlyOtherFiles(@TempDir Path dir) throws Exception {
        Path trial = dir.resolve("sweep/trials/0-a");
        Files.createDirectories(trial);
        Files.writeString(trial.resolve("trial.log"), "started\n");
        assertEquals(0, run(dir, new ShippedPlugins(), recipe(dir).toString(),
                "stages.0.steps=2", "--folder", "sweep/trials/0-a"), err.toString());
        assertTrue(Files.isRegularFile(trial.resolve("result.json")));
        assertEquals("started\n", Files.readString(trial.resolve("trial.log")));
        assertTrue(Files.readString(trial.resolve("config.resolved.yaml"))
                .contains("dir: " + trial), "the folder is the run's output.dir");

        assertEquals(1, run(dir, new ShippedPlugins(), recipe(dir).toString(),
                "stages.0.steps=2", "--folder", "sweep/trials/0-a"));
        assertTrue(err.toString().contains("already holds a run"), err::toString);
    }

    @Test
    void anAttentionPluginThatThrowsFailsTheRunNamingThePlugin(@TempDir Path dir)
            throws Exception {
        ShippedPlugins broken = new ShippedPlugins().replacing(PluginKind.ATTENTION, "full",
                MisbehavingAttention.throwing(call -> call == 3));
        assertEquals(1, run(dir, broken, recipe(dir).toString(), "output.dir=out",
                "stages.0.eval_every=0"));
        assertTrue(err.toString().contains("the run failed: attention plugin 'full' failed in "
                + MisbehavingAttention.class.getName() + "$1.forward(MisbehavingAttention.java:"),
                err::toString);
        assertTrue(err.toString().contains("): java.lang.ArithmeticException: boom in call 3"),
                err::toString);
        assertFalse(Files.exists(dir.resolve("out/result.json")));
        assertTrue(Files.readString(dir.resolve("out/run.log")).contains("boom in call 3"));
    }

    @Test
    void anAttentionPluginThatThrowsWhileTheModelIsBuiltIsNamed(@TempDir Path dir)
            throws Exception {
        ShippedPlugins broken = new ShippedPlugins().replacing(PluginKind.ATTENTION, "full",
                new AttentionPlugin() {
                    @Override
                    public List<ParameterSpec> parameterSpecs(AttentionShape shape,
                            PluginConfig config) {
                        return new FullAttentionPlugin().parameterSpecs(shape, config);
                    }

                    @Override
                    public AttentionLayer create(AttentionShape shape, PluginConfig config) {
                        throw new UnsupportedOperationException("no layers today");
                    }
                });
        assertEquals(1, run(dir, broken, recipe(dir).toString(), "output.dir=out"));
        assertTrue(err.toString().contains("cannot set up the run: attention plugin 'full' "
                + "failed in " + RunCommandTest.class.getName() + "$1.create(RunCommandTest.java:"),
                err::toString);
        assertTrue(err.toString().contains("java.lang.UnsupportedOperationException: no layers "
                + "today"), err::toString);
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void aTaskPluginThatThrowsFailsTheRunNamingThePlugin(@TempDir Path dir) throws Exception {
        ShippedPlugins crashing = new ShippedPlugins().replacing(PluginKind.TASK, "mqar",
                new FailingAfter(12));
        assertEquals(1, run(dir, crashing, recipe(dir).toString(), "output.dir=out"));
        assertTrue(err.toString().contains("the run failed: task plugin 'mqar' failed in "
                + FailingAfter.class.getName() + "$1.sample(RunCommandTest.java:"),
                err::toString);
        assertTrue(err.toString().contains("java.lang.IllegalStateException: the task broke"),
                err::toString);
    }

    @Test
    void aStageKindThatThrowsFailsTheRunNamingThePlugin(@TempDir Path dir) throws Exception {
        ShippedPlugins broken = new ShippedPlugins().replacing(PluginKind.STAGE, "pretrain",
                (StageKind) config -> context -> {
                    throw new IllegalArgumentException("this stage kind is broken");
                });
        assertEquals(1, run(dir, broken, recipe(dir).toString(), "output.dir=out"));
        assertTrue(err.toString().contains("the run failed: stage plugin 'pretrain' failed in "
                + RunCommandTest.class.getName() + ".lambda$"), err::toString);
        assertTrue(err.toString().contains("java.lang.IllegalArgumentException: this stage kind "
                + "is broken"), err::toString);
    }

    @Test
    void aPluginThatHangsFailsTheRunAtTheStepTimeoutNamingThePluginAndKeepsTheFolder(
            @TempDir Path dir) throws Exception {
        ShippedPlugins stuck = new ShippedPlugins().replacing(PluginKind.ATTENTION, "full",
                MisbehavingAttention.hanging(call -> call == 3));
        long start = System.nanoTime();
        assertEquals(1, run(dir, stuck, recipe(dir).toString(), "output.dir=out",
                "stages.0.eval_every=0", "stages.0.checkpoint_every=1",
                "stages.0.step_timeout=1"));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(err.toString().contains("the run failed: step 3 of stage 'pretrain' did not "
                + "finish within 1 s (step_timeout); it is stuck in attention plugin 'full' at "
                + MisbehavingAttention.class.getName() + ".pause(MisbehavingAttention.java:"),
                err::toString);
        assertTrue(seconds < 30, "the run ended after " + seconds + " s");
        Path out = dir.resolve("out");
        assertFalse(Files.exists(out.resolve("result.json")));
        assertEquals("step-000002", Files.readString(out.resolve("checkpoints/latest")).strip());
        assertEquals(List.of(1L, 2L), metrics(out).stream().map(l -> l.get("step").asLong())
                .toList());
        String log = Files.readString(out.resolve("run.log"));
        assertTrue(log.contains("did not finish within 1 s") && log.contains("Thread.sleep"),
                log);
        assertTrue(Files.readString(out.resolve("report.md")).contains("status: failed"));
    }

    @Test
    void theStepTimeoutIsPerStepNotPerStage(@TempDir Path dir) throws Exception {
        // Six training steps of 400 ms each: the stage takes longer than the limit, no step does.
        ShippedPlugins slow = new ShippedPlugins().replacing(PluginKind.ATTENTION, "full",
                MisbehavingAttention.pausing(call -> call <= 6, 400));
        assertEquals(0, run(dir, slow, recipe(dir).toString(), "output.dir=out",
                "stages.0.eval_every=0", "stages.0.step_timeout=1"), err::toString);
        assertTrue(Files.exists(dir.resolve("out/result.json")));
    }

    @Test
    void nanStepsAreSkippedAndRecordedAsEventsAndTheRunCompletes(@TempDir Path dir)
            throws Exception {
        ShippedPlugins diverging = new ShippedPlugins().replacing(PluginKind.ATTENTION, "full",
                MisbehavingAttention.nan(call -> call == 2 || call == 4));
        assertEquals(0, run(dir, diverging, recipe(dir).toString(), "output.dir=out",
                "stages.0.eval_every=0"), err::toString);
        List<String> events = Files.readAllLines(dir.resolve("out/metrics.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"nonfinite_step\"")).toList();
        assertEquals(2, events.size(), events::toString);
        assertTrue(events.get(0).startsWith("{\"event\":\"nonfinite_step\",\"step\":2,"),
                events.get(0));
        assertTrue(events.get(0).contains("\"stage\":\"pretrain\",\"stage_step\":2,"
                + "\"loss\":\"NaN\",\"grad_norm\":\"NaN\",\"parameters\":["), events.get(0));
        assertTrue(Files.exists(dir.resolve("out/result.json")));
    }

    @Test
    void tooManyNanStepsInARowStopTheRunWithTheLastGoodCheckpointLatest(@TempDir Path dir)
            throws Exception {
        ShippedPlugins diverging = new ShippedPlugins().replacing(PluginKind.ATTENTION, "full",
                MisbehavingAttention.nan(call -> call >= 4));
        assertEquals(1, run(dir, diverging, recipe(dir).toString(), "output.dir=out",
                "stages.0.eval_every=0", "stages.0.max_nonfinite_steps=2"));
        assertTrue(err.toString().contains("stage 'pretrain': 2 steps in a row (4 to 5) had a "
                + "non-finite loss or gradients, the limit max_nonfinite_steps is 2"),
                err::toString);
        assertTrue(err.toString().contains("raise max_nonfinite_steps. The model's attention: "
                + "attention plugin 'full' in every layer"), err::toString);
        assertEquals("step-000003", Files.readString(dir.resolve("out/checkpoints/latest"))
                .strip());
        try (var entries = Files.list(dir.resolve("out/checkpoints"))) {
            assertEquals(List.of("latest", "step-000003"), entries.map(p -> p.getFileName()
                    .toString()).sorted().toList());
        }
    }

    @Test
    void trainsAndFillsTheRunFolder(@TempDir Path dir) throws Exception {
        assertEquals(0, run(dir, new ShippedPlugins(), recipe(dir).toString(), "output.dir=out"),
                err.toString());
        Path run = dir.resolve("out");
        for (String file : List.of("config.resolved.yaml", "metrics.jsonl", "run.log",
                "result.json", "report.md", "tokenizer.json", "checkpoints/latest",
                "checkpoints/step-000003/model.safetensors",
                "checkpoints/step-000006/trainer_state.json")) {
            assertTrue(Files.isRegularFile(run.resolve(file)), file);
        }
        List<JsonNode> lines = metrics(run);
        assertEquals(8, lines.size(), lines.toString());
        assertEquals(List.of(1L, 2L, 3L, 3L, 4L, 5L, 6L, 6L),
                lines.stream().map(l -> l.get("step").asLong()).toList());
        assertTrue(lines.get(3).has("eval/recall") && lines.get(3).has("eval/loss"),
                lines.get(3).toString());
        assertTrue(lines.get(0).get("loss").asDouble() > 0);
        JsonNode result = JSON.readTree(run.resolve("result.json").toFile());
        assertEquals("completed", result.get("status").asText());
        assertEquals(6, result.get("steps").asLong());
        assertEquals(lines.get(7).get("eval/recall").asDouble(),
                result.get("eval/recall").asDouble());
        assertEquals("pretrain", result.get("stages").get(0).get("name").asText());
        assertTrue(Files.readString(run.resolve("run.log")).contains("stage 'pretrain'"));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("pretrain 6/6"),
                console.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString().contains("result: " + run.resolve("result.json")),
                out.toString());
    }

    @Test
    void anInvalidRecipeCreatesNothing(@TempDir Path dir) throws Exception {
        assertEquals(1, run(dir, new ShippedPlugins(), recipe(dir).toString(), "stages.0.steps=0"));
        assertTrue(err.toString().contains("stages[0].steps: expected an integer of at least 1"),
                err.toString());
        assertFalse(Files.exists(dir.resolve("runs")));
    }

    @Test
    void aPluginRefusingItsConfigurationCreatesNothing(@TempDir Path dir) throws Exception {
        assertEquals(1, run(dir, new ShippedPlugins(), recipe(dir).toString(),
                "task.config.queries=5"));
        assertTrue(err.toString().contains("queries"), err.toString());
        assertFalse(Files.exists(dir.resolve("runs")));
    }

    @Test
    void aUsedFolderIsNotReusedWithoutResume(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("out"));
        Files.writeString(dir.resolve("out/notes.txt"), "mine");
        assertEquals(1, run(dir, new ShippedPlugins(), recipe(dir).toString(), "output.dir=out"));
        assertTrue(err.toString().contains("already holds files"), err.toString());
        try (var files = Files.list(dir.resolve("out"))) {
            assertEquals(List.of(dir.resolve("out/notes.txt")), files.toList());
        }
    }

    /**
     * The resume test of the issue: a run that crashes after its checkpoint at step 3 and is
     * continued with {@code resume=auto} ends with the weights, optimiser state and losses of
     * the run that went straight through, bit for bit.
     */
    @Test
    void resumingAfterACrashMatchesTheUninterruptedRunBitForBit(@TempDir Path dir)
            throws Exception {
        Path recipe = recipe(dir);
        assertEquals(0, run(dir, new ShippedPlugins(), recipe.toString(), "output.dir=straight",
                "stages.0.kind=sft"), err.toString());

        // Three steps of 4 examples, then the task fails while the fourth step draws its data.
        ShippedPlugins crashing = new ShippedPlugins().replacing(PluginKind.TASK, "mqar",
                new FailingAfter(12));
        assertEquals(1, run(dir, crashing, recipe.toString(), "output.dir=resumed",
                "stages.0.kind=sft"));
        Path resumed = dir.resolve("resumed");
        assertTrue(err.toString().contains("the task broke"), err.toString());
        assertFalse(Files.exists(resumed.resolve("result.json")));
        assertTrue(Files.exists(resumed.resolve("checkpoints/step-000003")));

        assertEquals(0, run(dir, new ShippedPlugins(), recipe.toString(), "output.dir=resumed",
                "stages.0.kind=sft", "resume=auto"), err.toString());
        Path straight = dir.resolve("straight");
        for (String file : List.of("model.safetensors", "optimizer.safetensors")) {
            assertArrayEquals(Files.readAllBytes(straight.resolve("checkpoints/step-000006/"
                    + file)), Files.readAllBytes(resumed.resolve("checkpoints/step-000006/"
                    + file)), file);
        }
        assertEquals(losses(straight), losses(resumed));
        assertTrue(Files.readString(resumed.resolve("metrics.jsonl"))
                .contains("{\"event\":\"resume\",\"step\":3,"));
    }

    private static List<JsonNode> metrics(Path run) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            if (!node.has("event")) {
                lines.add(node);
            }
        }
        return lines;
    }

    /** Every step's loss and evaluation metrics, without the timings. */
    private static List<String> losses(Path run) throws IOException {
        List<String> values = new ArrayList<>();
        for (JsonNode line : metrics(run)) {
            values.add(line.get("step") + " " + line.path("loss") + " " + line.path("grad_norm")
                    + " " + line.path("eval/loss") + " " + line.path("eval/recall"));
        }
        return values;
    }

    /** MQAR whose training examples run out after a number of draws, as a crash would. */
    private static final class FailingAfter implements TaskSource {
        private final int draws;

        FailingAfter(int draws) {
            this.draws = draws;
        }

        @Override
        public Task create(PluginConfig config) {
            Task task = new MqarSource().create(config);
            AtomicInteger drawn = new AtomicInteger();
            return new Task() {
                @Override
                public Example sample(RandomGenerator random) {
                    if (drawn.incrementAndGet() > draws) {
                        throw new IllegalStateException("the task broke");
                    }
                    return task.sample(random);
                }

                @Override
                public List<Example> evaluationSet() {
                    return task.evaluationSet();
                }

                @Override
                public TaskScore score(Example example, String completion) {
                    return task.score(example, completion);
                }
            };
        }
    }
}
