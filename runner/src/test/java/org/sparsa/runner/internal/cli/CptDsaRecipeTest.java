package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.runner.internal.run.ShippedPlugins;
import picocli.CommandLine;

/**
 * The shipped DeepSeek-V3.2 schedules, {@code recipes/cpt-dsa.yaml} (short MQAR prompts),
 * {@code recipes/dsa-mqar.yaml} (8-pair MQAR in the inline layout, 72 tokens),
 * {@code recipes/dsa-mqar-listed.yaml} (16-pair MQAR in the listed layout, about a hundred) and
 * {@code recipes/dsa-retrieval.yaml} (pass key retrieval in a few hundred tokens), each cut to a
 * few steps a stage, run end to end: dense training, the indexer warm-up and the sparse stage
 * log the indexer KL per step and the indexer's recall at evaluation, and the report compares
 * the dense and the sparse stage.
 */
class CptDsaRecipeTest {
    // Surefire runs in the module folder.
    private static final Path RECIPES = Path.of("..", "recipes");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Each recipe with the kind of its first (dense) stage, its stages in order, and the
     * warm-up lengths its shortened stages must drop, since a warm-up may not outlast a stage.
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "cpt-dsa.yaml; sft; dense indexer-warmup sparse; stages.0.schedule.warmup=0",
        "dsa-mqar.yaml; pretrain; dense indexer-warmup sparse; stages.0.schedule.warmup=0",
        "dsa-mqar-listed.yaml; sft; dense indexer-warmup sparse; stages.0.schedule.warmup=0",
        "dsa-retrieval.yaml; pretrain; dense-short dense indexer-warmup sparse;"
                + " stages.0.schedule.warmup=0 stages.1.schedule.warmup=0"})
    void theShortenedRecipeRunsEveryStageAndReportsTheComparison(String recipe,
            String denseKind, String stageNames, String warmups, @TempDir Path dir)
            throws Exception {
        List<String> stages = List.of(stageNames.split(" "));
        List<String> args = new ArrayList<>(List.of(RECIPES.resolve(recipe).toString(),
                "output.dir=out", "backend=java", "task.config.eval_size=4"));
        for (int stage = 0; stage < stages.size(); stage++) {
            args.add("stages." + stage + ".steps=" + (stage == 0 ? 3 : 2));
            args.add("stages." + stage + ".batch=2");
            args.add("stages." + stage + ".config.eval_examples=2");
        }
        args.addAll(List.of(warmups.split(" ")));
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new RunCommand(ShippedPlugins::new,
                ShippedPlugins::new, () -> List.of("org.sparsa.runner 0.1.0"), dir,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        line.setOut(new PrintWriter(new StringWriter(), true));
        line.setErr(new PrintWriter(err, true));
        assertEquals(0, line.execute(args.toArray(String[]::new)), err.toString());

        Path run = dir.resolve("out");
        List<JsonNode> steps = new ArrayList<>();
        List<JsonNode> evaluations = new ArrayList<>();
        for (String text : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode node = JSON.readTree(text);
            if (node.has("loss")) {
                steps.add(node);
            } else if (node.has("eval/loss")) {
                evaluations.add(node);
            }
        }
        assertEquals(3 + 2 * (stages.size() - 1), steps.size(), steps.toString());
        for (JsonNode step : steps) {
            assertTrue(step.get("aux/indexer_kl").asDouble() >= 0, step.toString());
        }
        assertEquals(stages, evaluations.stream().map(e -> e.get("stage").asText()).toList());
        for (JsonNode evaluation : evaluations) {
            double recall = evaluation.get("eval/indexer_recall").asDouble();
            assertTrue(recall > 0 && recall <= 1, evaluation.toString());
            assertTrue(evaluation.has("eval/exact_match"), evaluation.toString());
        }

        String report = Files.readString(run.resolve("report.md"));
        // Every stage before the sparse one runs the attention dense.
        String modes = stages.stream().map(name -> name + (name.equals("sparse")
                ? " `sparse`" : " `dense`")).collect(Collectors.joining(", "));
        assertTrue(report.contains("attention mode by stage: " + modes), report);
        String header = report.lines().filter(l -> l.startsWith("| stage ")).findFirst()
                .orElseThrow();
        assertTrue(header.contains("aux/indexer_kl") && header.contains("eval/exact_match")
                && header.contains("eval/indexer_recall"), header);
        assertTrue(report.contains("| " + stages.get(0) + " | " + denseKind + " | 3 |"),
                report);
        assertTrue(report.contains("| sparse | sparse_cpt | 2 |"), report);
        assertTrue(report.contains("plots/aux-losses.png"), report);
        assertTrue(Files.isRegularFile(run.resolve("plots/aux-losses.png")));
    }
}
