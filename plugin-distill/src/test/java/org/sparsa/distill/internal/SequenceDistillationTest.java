package org.sparsa.distill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.TaskScore;

/** The sequences mode keeps exactly the completions that pass the reward, and writes them. */
class SequenceDistillationTest {
    @TempDir
    Path run;

    @Test
    void theRewardFilterKeepsOnlyPassingCompletionsAndTheJsonlHoldsExactlyThose()
            throws Exception {
        List<String> scored = new ArrayList<>();
        // Passes completions of an even number of characters: about half of random text.
        RewardFunction even = completion -> {
            scored.add(completion.text());
            return RewardResult.of(completion.text().strip().length() % 2 == 0 ? 1 : 0);
        };
        TestContext context = new TestContext(TinyModels.dense(16, 2),
                TestContext.settings(3, 1e-2), run)
                .teacher("specialist", TinyModels.dense(16, 1), new ReverseTask("abcd"))
                .reward("even", even);
        new DistillStageKind().create(PluginConfig.of(Map.of("mode", "sequences",
                "prompts", 8, "samples", 4, "completion_tokens", 6, "eval_examples", 4,
                "reward", Map.of("id", "even"), "min_reward", 1,
                "teachers", List.of(Map.of("stage", "specialist"))), "test")).run(context);

        List<String> passing = scored.stream().filter(t -> t.strip().length() % 2 == 0)
                .toList();
        assertTrue(!passing.isEmpty() && passing.size() < scored.size(),
                "the filter had completions to keep and to reject: " + scored);
        Path file = run.resolve("stages/generalist/" + TeacherCompletions.FILE);
        ObjectMapper json = new ObjectMapper();
        List<String> written = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode node = json.readTree(line);
            assertEquals("specialist", node.get("teacher").asText());
            assertEquals(1.0, node.get("reward").asDouble());
            assertTrue(node.get("prompt").asText().endsWith(">"));
            written.add(node.get("completion").asText());
        }
        assertEquals(passing, written);
        assertEquals((double) passing.size(), context.series("distill/kept").get(0));
        assertEquals(3, context.series(SequenceDistillation.SFT_METRIC).size());
    }

    @Test
    void requireCorrectKeepsOnlyWhatTheTasksOwnScoreAccepts() throws Exception {
        List<String> judged = new ArrayList<>();
        // Judges a completion correct when it has an odd number of characters.
        ReverseTask task = new ReverseTask("abcd") {
            @Override
            public TaskScore score(Example example, String completion) {
                judged.add(completion);
                return TaskScore.exactMatch(completion.strip().length() % 2 == 1);
            }
        };
        TestContext context = new TestContext(TinyModels.dense(16, 2),
                TestContext.settings(2, 1e-2), run)
                .teacher("specialist", TinyModels.dense(16, 1), task);
        new DistillStageKind().create(PluginConfig.of(Map.of("mode", "sequences",
                "prompts", 8, "samples", 4, "completion_tokens", 6, "eval_examples", 4,
                "require_correct", true, "score_table", false,
                "teachers", List.of(Map.of("stage", "specialist"))), "test")).run(context);

        // The generation judged its completions first; evaluation's judgements come after.
        List<String> generated = judged.subList(0,
                context.series("distill/generated").get(0).intValue()
                - context.series("distill/unfinished").get(0).intValue());
        List<String> correct = generated.stream().filter(t -> t.strip().length() % 2 == 1)
                .toList();
        assertTrue(!correct.isEmpty() && correct.size() < generated.size(), generated.toString());
        ObjectMapper json = new ObjectMapper();
        List<String> written = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("stages/generalist/"
                + TeacherCompletions.FILE))) {
            JsonNode node = json.readTree(line);
            assertTrue(!node.has("reward"), "no reward without a reward filter");
            written.add(node.get("completion").asText());
        }
        assertEquals(correct, written);
    }
}
