package org.sparsa.rewards.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;

/**
 * Runs every case of {@code golden/rewards-cases.json} (copied from the shared golden cases)
 * through the reward's component class, to 1e-12.
 */
class GoldenRewardCasesTest {
    private static final String RESOURCE = "/golden/rewards-cases.json";
    private static final int CASE_COUNT = 31;
    private static final double TOLERANCE = 1e-12;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> COMPLETION_FIELDS = Set.of("text", "length_tokens", "correct");

    @Test
    void everyCaseIsThere() {
        List<JsonNode> cases = cases();
        assertEquals(CASE_COUNT, cases.size(), "golden cases lost or added");
        Set<String> rewards = new TreeSet<>();
        cases.forEach(c -> rewards.add(c.path("reward").asText()));
        assertEquals(new TreeSet<>(List.of("accuracy", "format", "language_consistency", "length",
                "overlong")), rewards);
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() {
        List<JsonNode> cases = cases();
        return IntStream.range(0, cases.size()).mapToObj(i -> {
            JsonNode c = cases.get(i);
            String note = c.path("note").asText("");
            String name = "#" + i + " " + c.path("reward").asText() + (note.isEmpty() ? "" : ": " + note);
            return dynamicTest(name, () -> check(i, c));
        });
    }

    private static void check(int index, JsonNode c) {
        String id = c.path("reward").asText();
        Map<String, Object> config = c.hasNonNull("config")
                ? JSON.convertValue(c.get("config"), new TypeReference<Map<String, Object>>() { })
                : Map.of();
        RewardFunction reward = TestRewardContext.model(id)
                .create(PluginConfig.of(config, "rewards-cases.json#" + index), new TestRewardContext());
        String reference = c.hasNonNull("reference") ? c.get("reference").asText() : null;
        JsonNode completion = c.get("completion");
        JsonNode expected = c.get("expected");
        assertNotNull(completion, "case without completion");
        assertNotNull(expected, "case without expected value");
        if (completion.isArray()) {
            assertTrue(expected.isArray(), "a group case expects a list");
            List<Completion> group = new ArrayList<>();
            completion.forEach(node -> group.add(completion(node, reference)));
            List<RewardResult> results = reward.scoreGroup(group);
            assertEquals(expected.size(), results.size());
            for (int k = 0; k < results.size(); k++) {
                assertTrue(expected.get(k).isNumber(), "expected value is not a number");
                assertEquals(expected.get(k).asDouble(), results.get(k).value(), TOLERANCE,
                        "completion " + k);
            }
        } else {
            assertTrue(expected.isNumber(), "expected value is not a number");
            assertEquals(expected.asDouble(), reward.score(completion(completion, reference)).value(),
                    TOLERANCE);
        }
    }

    private static Completion completion(JsonNode node, String reference) {
        if (node.isTextual()) {
            return Completion.builder(node.asText()).reference(reference).build();
        }
        if (!node.isObject()) {
            fail("a completion is a string or an object, found " + node);
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            assertTrue(COMPLETION_FIELDS.contains(field), "unknown completion field " + field);
        }
        Completion.Builder builder = Completion.builder(node.path("text").asText(""))
                .reference(reference);
        if (node.has("length_tokens")) {
            builder.lengthTokens(node.get("length_tokens").asInt());
        }
        if (node.has("correct")) {
            builder.correct(node.get("correct").asBoolean());
        }
        return builder.build();
    }

    private static List<JsonNode> cases() {
        try (InputStream in = GoldenRewardCasesTest.class.getResourceAsStream(RESOURCE)) {
            assertNotNull(in, RESOURCE + " is not on the class path");
            JsonNode root = JSON.readTree(in);
            assertTrue(root.isArray(), "the golden file holds a list of cases");
            List<JsonNode> cases = new ArrayList<>();
            root.forEach(cases::add);
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
