package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.runner.internal.run.ShippedPlugins;
import picocli.CommandLine;

/**
 * The shipped {@code recipes/distill-specialists.yaml}, cut to a few steps a stage, run end to
 * end: each specialist trains its own model on its own task into its stage folder, the
 * generalist distils both, and the report holds the model × task score table; in sequences
 * mode the teachers' data lands in the run folder as JSONL.
 */
class DistillSpecialistsRecipeTest {
    // Surefire runs in the module folder.
    private static final Path RECIPE = Path.of("..", "recipes", "distill-specialists.yaml");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path run(Path dir, String mode) {
        StringWriter err = new StringWriter();
        assertEquals(0, execute(dir, mode, err), err.toString());
        return dir.resolve("out-" + mode);
    }

    private static int execute(Path dir, String mode, StringWriter err) {
        List<String> args = new ArrayList<>(List.of(RECIPE.toString(), "output.dir=out-" + mode,
                "backend=java", "stages.2.config.mode=" + mode, "stages.2.config.prompts=2",
                "stages.2.config.samples=2", "stages.2.config.completion_tokens=4"));
        for (int stage = 0; stage < 3; stage++) {
            args.add("stages." + stage + ".steps=2");
            args.add("stages." + stage + ".batch=2");
            args.add("stages." + stage + ".eval_every=0");
            args.add("stages." + stage + ".schedule.warmup=0");
            args.add("stages." + stage + ".config.eval_examples=2");
        }
        CommandLine line = new CommandLine(new RunCommand(ShippedPlugins::new,
                ShippedPlugins::new, () -> List.of("org.sparsa.runner 0.1.0"), dir,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        line.setOut(new PrintWriter(new StringWriter(), true));
        line.setErr(new PrintWriter(err, true));
        return line.execute(args.toArray(String[]::new));
    }

    @Test
    void specialistsTrainTheirOwnModelsAndTheGeneralistIsScoredOnEveryTask(@TempDir Path dir)
            throws Exception {
        Path run = run(dir, "logits");
        for (String specialist : List.of("spec-arithmetic", "spec-mqar")) {
            assertTrue(Files.isRegularFile(run.resolve("stages/" + specialist
                    + "/checkpoints/step-000002/model.safetensors")
                    ) || Files.list(run.resolve("stages/" + specialist + "/checkpoints"))
                    .anyMatch(Files::isDirectory), specialist + " kept its own checkpoint");
        }
        List<JsonNode> evaluations = new ArrayList<>();
        JsonNode scores = null;
        for (String text : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = JSON.readTree(text);
            if (node.has("eval/loss") || node.has("eval/mqar/loss")) {
                evaluations.add(node);
            }
            if (node.has("score/generalist/mqar/recall")) {
                scores = node;
            }
        }
        // Each specialist is scored on its own task (mqar reports recall, arithmetic not).
        assertEquals(List.of("spec-arithmetic", "spec-mqar", "generalist"),
                evaluations.stream().map(e -> e.get("stage").asText()).toList());
        assertTrue(!evaluations.get(0).has("eval/recall") && evaluations.get(1).has(
                "eval/recall"), evaluations.toString());
        assertTrue(evaluations.get(2).has("eval/arithmetic/exact_match")
                && evaluations.get(2).has("eval/mqar/recall"), evaluations.get(2).toString());
        assertTrue(scores != null, "the score table was logged");
        for (String model : List.of("spec-arithmetic", "spec-mqar", "generalist")) {
            for (String task : List.of("arithmetic", "mqar")) {
                assertTrue(scores.has("score/" + model + "/" + task + "/exact_match"),
                        model + " on " + task + ": " + scores);
            }
        }
        String report = Files.readString(run.resolve("report.md"));
        assertTrue(report.contains("## Scores by model and task"), report);
        assertTrue(report.lines().anyMatch(l -> l.startsWith("| spec-mqar |")), report);
        assertTrue(report.lines().anyMatch(l -> l.startsWith("| generalist |")), report);
        String resolved = Files.readString(run.resolve("config.resolved.yaml"));
        assertTrue(resolved.contains("id: mqar"), "the stage's task is in the resolved recipe");

        // Another run, with a smaller student, takes spec-mqar from this run's folder: the
        // teacher, scored the same way, scores what it scored here.
        Path other = dir.resolve("from-run.yaml");
        Files.writeString(other, """
                name: from-run
                model: {tokenizer: byte, dim: 32, layers: 1, heads: 2, max_seq: 128}
                task: {id: arithmetic}
                stages:
                  - name: student
                    kind: distill
                    steps: 2
                    batch: 2
                    config:
                      eval_examples: 2
                      teachers:
                        - {run: "%s", stage: spec-mqar}
                """.formatted(run.toAbsolutePath().toString().replace("\\", "/")));
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new RunCommand(ShippedPlugins::new,
                ShippedPlugins::new, () -> List.of("org.sparsa.runner 0.1.0"), dir,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        line.setOut(new PrintWriter(new StringWriter(), true));
        line.setErr(new PrintWriter(err, true));
        assertEquals(0, line.execute(other.toString(), "output.dir=out-other", "backend=java"),
                err.toString());
        JsonNode otherScores = null;
        for (String text : Files.readAllLines(dir.resolve("out-other/metrics.jsonl"))) {
            JsonNode node = JSON.readTree(text);
            if (node.has("score/spec-mqar/mqar/loss")) {
                otherScores = node;
            }
        }
        assertTrue(otherScores != null, "the other run logged its score table");
        for (String metric : List.of("loss", "recall", "exact_match")) {
            String key = "score/spec-mqar/mqar/" + metric;
            assertEquals(scores.get(key).asDouble(), otherScores.get(key).asDouble(), key);
        }
    }

    /**
     * Specialists of two steps never end an answer within four tokens, so the run stops with
     * the generation's counts; the (empty) data file is in the run folder all the same. The
     * plugin's own tests check what a filter keeps.
     */
    @Test
    void sequencesModeWritesItsDataToTheRunFolderAndSaysWhyNothingWasKept(@TempDir Path dir)
            throws Exception {
        StringWriter err = new StringWriter();
        assertEquals(1, execute(dir, "sequences", err));
        // Every completion written was unfinished (a prompt too long for max_seq writes none).
        assertTrue(java.util.regex.Pattern.compile("generated ([1-9]\\d*), unfinished within "
                + "completion_tokens \\1, kept 0").matcher(err.toString()).find(),
                err.toString());
        Path data = dir.resolve("out-sequences/stages/generalist/distill-data.jsonl");
        assertEquals(List.of(), Files.readAllLines(data));
    }
}
