package org.sparsa.core.stage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.stage.MetricsSink;
import org.sparsa.api.stage.StageContext;
import org.sparsa.core.stage.StageSettings;

class StageKindsTest {

    @Test
    void sftLearnsToAnswerAndTheEvaluationSaysSo() throws Exception {
        TestContext context = new TestContext(new FixedTask(),
                TestContext.settings(60, 8, List.of()));
        Map<String, Double> before = new Evaluation(context, context.settings(), 0, 0).run();
        assertEquals(0.0, before.get("eval/exact_match"), before.toString());
        new SftStageKind().create(PluginConfig.empty()).run(context);
        Map<String, Double> after = context.lines.get(context.lines.size() - 1);
        assertEquals(1.0, after.get("eval/exact_match"), after.toString());
        assertTrue(after.get("eval/loss") < before.get("eval/loss"));
        double firstLoss = context.lines.get(0).get("loss");
        double lastLoss = context.lines.get(context.lines.size() - 2).get("loss");
        assertTrue(lastLoss < firstLoss / 4, firstLoss + " -> " + lastLoss);
        // The end of the stage saves a checkpoint at its last step.
        assertEquals(60, context.saved.get(context.saved.size() - 1).step());
    }

    @Test
    void pretrainReportsEveryStepAndEvaluatesWhenDue() throws Exception {
        StageSettings settings = new StageSettings(4, 4, 16, 1e-3, "cosine", 1, 1e-4, 0.1, 1.0,
                2, List.of(), StageSettings.DEFAULT_MODE, 2, 3);
        TestContext context = new TestContext(new FixedTask(), settings);
        new PretrainStageKind().create(PluginConfig.of(Map.of("eval_examples", 2), "test"))
                .run(context);
        assertEquals(List.of(1L, 2L, 2L, 3L, 4L, 4L), context.steps);
        assertEquals(List.of("loss", "lr", "grad_norm", "tokens_per_s"),
                List.copyOf(context.lines.get(0).keySet()));
        assertTrue(context.lines.get(2).containsKey("eval/exact_match"));
        assertEquals(0.0, context.lines.get(0).get("lr"), "warm-up starts at 0");
        assertEquals(List.of(3L, 4L), context.saved.stream().map(p -> p.step()).toList());
        // A boundary before every step, after the previous step's metrics and evaluation.
        assertEquals(List.of("0 after 0 lines", "1 after 1 lines", "2 after 3 lines",
                "3 after 4 lines"), context.boundaries);
        assertTrue(context.saved.get(1).rngStates().containsKey(TrainingLoop.DATA_STREAM));
    }

    @Test
    void everyEvaluationWritesWhatTheModelAnswered() throws Exception {
        TestContext context = new TestContext(new FixedTask(),
                TestContext.settings(60, 8, List.of()));
        new SftStageKind().create(PluginConfig.empty()).run(context);
        java.nio.file.Path file = EvaluationSamples.file(context.runFolder(), "test", 60);
        List<String> lines = java.nio.file.Files.readAllLines(file);
        assertEquals(4, lines.size(), "one line per evaluation example");
        com.fasterxml.jackson.databind.JsonNode first = new com.fasterxml.jackson.databind
                .ObjectMapper().readTree(lines.get(0));
        assertEquals("a", first.get("prompt").asText());
        assertEquals("b", first.get("reference").asText());
        // The stage learns the task, so the recorded answer (after the separating space the
        // prompt's tokens end before) is the reference and scores 1.
        assertEquals(" b", first.get("completion").asText());
        assertEquals(1.0, first.get("exact_match").asDouble());
        // Each line keeps its example's place in the evaluation set, whatever order it was
        // answered in; the fixed task's set is no grid, so no line names a cell.
        java.util.Set<Integer> indices = new java.util.TreeSet<>();
        for (String line : lines) {
            com.fasterxml.jackson.databind.JsonNode node = new com.fasterxml.jackson.databind
                    .ObjectMapper().readTree(line);
            indices.add(node.get("index").asInt());
            assertEquals(FixedTask.example(node.get("index").asInt()).prompt(),
                    node.get("prompt").asText());
            assertFalse(node.has("cell"));
        }
        assertEquals(java.util.Set.of(0, 1, 2, 3), indices);
        assertEquals(context.lines.get(context.lines.size() - 1).get("eval/exact_match"),
                lines.stream().mapToDouble(l -> l.contains("\"exact_match\":1.0") ? 1 : 0)
                        .average().orElseThrow());
    }

    @Test
    void frozenParametersStayBitForBitAndTheRestTrain() throws Exception {
        TestContext context = new TestContext(new FixedTask(),
                TestContext.settings(3, 4, List.of("model.embed_tokens.*")));
        float[] embedding = context.model().parameters().get("model.embed_tokens.weight")
                .value().toArray();
        float[] head = context.model().parameters().get("lm_head.weight").value().toArray();
        new PretrainStageKind().create(PluginConfig.empty()).run(context);
        assertArrayEquals(embedding, context.model().parameters()
                .get("model.embed_tokens.weight").value().toArray());
        assertFalse(java.util.Arrays.equals(head, context.model().parameters()
                .get("lm_head.weight").value().toArray()));
    }

    @Test
    void onlyTheTrainableParametersTrainAndAModelWithoutAuxiliaryLossesNeedsTheLmLoss()
            throws Exception {
        StageSettings settings = TestContext.settings(2, 4, List.of("lm_head.*"))
                .withTrainable(List.of("lm_head.*", "model.norm.*"));
        TestContext context = new TestContext(new FixedTask(), settings);
        Map<String, float[]> before = new java.util.LinkedHashMap<>();
        for (String name : context.model().parameters().names()) {
            before.put(name, context.model().parameters().get(name).value().toArray());
        }
        new PretrainStageKind().create(PluginConfig.empty()).run(context);
        for (String name : before.keySet()) {
            boolean trains = name.equals("model.norm.weight");
            assertEquals(!trains, java.util.Arrays.equals(before.get(name),
                    context.model().parameters().get(name).value().toArray()), name);
        }
        TestContext auxiliaryOnly = new TestContext(new FixedTask(),
                TestContext.settings(1, 4, List.of()).withLossWeights(0, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PretrainStageKind().create(PluginConfig.empty()).run(auxiliaryOnly));
        assertTrue(e.getMessage().contains("auxiliary"), e.getMessage());
    }

    @Test
    void evalScoresStepsTimesBatchExamplesOnce() throws Exception {
        TestContext context = new TestContext(new FixedTask(),
                TestContext.settings(1, 2, List.of()));
        new EvalStageKind().create(PluginConfig.empty()).run(context);
        assertEquals(List.of(1L), context.steps);
        assertEquals(List.of("eval/loss", "eval/exact_match"),
                List.copyOf(context.lines.get(0).keySet()));
    }

    @Test
    void unknownKeysAndOutOfRangeValuesAreRefused() {
        assertThrows(ConfigException.class, () -> new EvalStageKind().create(
                PluginConfig.of(Map.of("eval_examples", 3), "test")));
        assertThrows(ConfigException.class, () -> new SftStageKind().create(
                PluginConfig.of(Map.of("max_new_tokens", -1), "test")));
    }

    @Test
    void aStageWithoutAModelSaysSo() {
        StageContext bare = new StageContext() {
            @Override
            public String name() {
                return "bare";
            }

            @Override
            public java.nio.file.Path runFolder() {
                return java.nio.file.Path.of(".");
            }

            @Override
            public long seed() {
                return 0;
            }

            @Override
            public org.sparsa.api.parameter.Parameters parameters() {
                return null;
            }

            @Override
            public MetricsSink metrics() {
                return (step, metrics) -> { };
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PretrainStageKind().create(PluginConfig.empty()).run(bare));
        assertTrue(e.getMessage().contains("stage 'bare' trains the model"), e.getMessage());
    }
}
