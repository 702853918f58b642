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
}
