package org.sparsa.core.task.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskScore;

/** Multi-query associative recall: prompt structure, references and the recall metric. */
class MqarTaskTest {

    private static Task task(Map<String, Object> values) {
        return new MqarSource().create(PluginConfig.of(values, "test"));
    }

    @Test
    void queriesAreDistinctKeysOfThePromptAndTheReferenceIsTheirValues() {
        Task task = task(Map.of("pairs", 10, "queries", 5, "key_alphabet", "αβγδ\uD83D\uDE00",
                "key_length", 2, "value_alphabet", "xyz", "value_length", 3, "eval_size", 8));
        SplittableRandom random = new SplittableRandom(3);
        for (int n = 0; n < 50; n++) {
            Example example = n < 8 ? task.evaluationSet().get(n) : task.sample(random);
            String[] lines = example.prompt().split("\n");
            assertEquals(3, lines.length, example.prompt());
            Map<String, String> pairs = pairs(lines[0], 10);
            for (Map.Entry<String, String> pair : pairs.entrySet()) {
                assertEquals(2, pair.getKey().codePointCount(0, pair.getKey().length()));
                assertEquals(3, pair.getValue().length());
            }
            assertTrue(lines[1].startsWith("query: "));
            String[] queries = lines[1].substring("query: ".length()).split(" ");
            assertEquals(5, queries.length);
            assertEquals(5, List.of(queries).stream().distinct().count());
            String[] reference = example.reference().split(" ");
            for (int q = 0; q < queries.length; q++) {
                assertTrue(pairs.containsKey(queries[q]), queries[q] + " not among the keys");
                assertEquals(pairs.get(queries[q]), reference[q]);
            }
            assertEquals("answer:", lines[2]);
        }
    }

    @Test
    void theInlineLayoutAnswersEveryQueryButTheLastRightAfterIt() {
        Task task = task(Map.of("pairs", 12, "queries", 6, "value_length", 2, "layout", "inline",
                "eval_size", 8));
        SplittableRandom random = new SplittableRandom(5);
        for (int n = 0; n < 50; n++) {
            Example example = n < 8 ? task.evaluationSet().get(n) : task.sample(random);
            String[] lines = example.prompt().split("\n");
            assertEquals(2, lines.length, example.prompt());
            Map<String, String> pairs = pairs(lines[0], 12);
            // "k1= v1 k2= v2 ... k6=": five answered queries, then the asked key.
            String[] words = lines[1].split(" ");
            assertEquals(11, words.length, lines[1]);
            List<String> asked = new ArrayList<>();
            for (int q = 0; q < 5; q++) {
                String key = words[2 * q].substring(0, words[2 * q].length() - 1);
                assertEquals(key + "=", words[2 * q]);
                assertEquals(pairs.get(key), words[2 * q + 1], lines[1]);
                asked.add(key);
            }
            String last = words[10].substring(0, words[10].length() - 1);
            assertEquals(last + "=", words[10]);
            asked.add(last);
            assertEquals(6, asked.stream().distinct().count(), "queries repeat in " + lines[1]);
            assertEquals(pairs.get(last), example.reference());
        }
        Example example = task.evaluationSet().get(0);
        assertScore(task.score(example, " " + example.reference() + " x= 4"), 1.0, 0.0);
        assertScore(task.score(example, example.reference()), 1.0, 1.0);
    }

    /** The {@code key=value} pairs of a prompt's first line: {@code count} of them, no key twice. */
    private static Map<String, String> pairs(String line, int count) {
        Map<String, String> pairs = new HashMap<>();
        for (String pair : line.split(" ")) {
            String[] kv = pair.split("=");
            assertEquals(2, kv.length, pair);
            assertEquals(null, pairs.put(kv[0], kv[1]), "keys repeat in " + line);
        }
        assertEquals(count, pairs.size(), line);
        return pairs;
    }

    @Test
    void everyPairCanBeQueriedWhenTheKeySpaceIsExactlyFull() {
        Task task = task(Map.of("pairs", 9, "queries", 9, "key_alphabet", "abc", "key_length", 2,
                "eval_size", 3));
        Example example = task.sample(new SplittableRandom(1));
        assertEquals(9, example.reference().split(" ").length);
    }

    @Test
    void recallCountsAnswersRightAtTheirPosition() {
        Task task = task(Map.of("eval_size", 1));
        Example example = new Example("p", "3 1 4 1", List.of());
        assertScore(task.score(example, "3 1 4 1"), 1.0, 1.0);
        assertScore(task.score(example, "  3 1 4 1 \nab=2 more text"), 1.0, 1.0);
        assertScore(task.score(example, "3 9 4 1"), 0.75, 0.0);
        assertScore(task.score(example, "1 4 1"), 0.0, 0.0);
        assertScore(task.score(example, "3 1"), 0.5, 0.0);
        assertScore(task.score(example, "3 1 4 1 5"), 1.0, 0.0);
        assertScore(task.score(example, ""), 0.0, 0.0);
        assertScore(task.score(example, null), 0.0, 0.0);
        assertEquals(TaskScore.none(), task.score(new Example("p", null, List.of()), "1"));
    }

    private static void assertScore(TaskScore score, double recall, double exact) {
        assertEquals(recall, score.get(MqarTask.RECALL).orElseThrow(), 1e-12);
        assertEquals(exact, score.get(TaskScore.EXACT_MATCH).orElseThrow());
    }
}
