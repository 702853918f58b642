package org.sparsa.core.task.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.task.EvaluationGrid;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskScore;

/** Passkey and needle retrieval: haystack sizes, needle depths, the grid and the metrics. */
class RetrievalTasksTest {
    private static final String PASSKEY_INTRO = PasskeySource.TEMPLATE.intro();
    private static final String PASSKEY_QUESTION = PasskeySource.TEMPLATE.question();

    /** The haystack of a passkey prompt: what lies between the introduction and the question. */
    private static String passkeyHaystack(Example example) {
        String prompt = example.prompt();
        assertTrue(prompt.startsWith(PASSKEY_INTRO) && prompt.endsWith(PASSKEY_QUESTION));
        return prompt.substring(PASSKEY_INTRO.length(), prompt.length() - PASSKEY_QUESTION.length());
    }

    @Test
    void passkeyHaystacksAreWithinTheirLengthAndHoldThePasskeyAtTheDepth() {
        int longest = Haystack.longest(Haystack.sentences(PasskeySource.FILLER));
        for (int length : List.of(200, 1000, 5000)) {
            for (double depth : List.of(0.0, 0.3, 0.5, 1.0)) {
                Task task = new PasskeySource().create(PluginConfig.of(Map.of("length", length,
                        "depth", depth, "digits", 6, "eval_size", 3), "test"));
                Example example = task.sample(new SplittableRandom(length));
                String haystack = passkeyHaystack(example);
                assertTrue(haystack.length() <= length && haystack.length() > length - longest - 1,
                        length + " gave " + haystack.length());
                assertTrue(example.reference().matches("[1-9][0-9]{5}"), example.reference());
                String needle = "The pass key is " + example.reference() + ". Remember it. "
                        + example.reference() + " is the pass key.";
                int at = haystack.indexOf(needle);
                assertTrue(at >= 0);
                int filler = haystack.length() - needle.length();
                assertTrue(Math.abs(at - depth * filler) <= longest,
                        "depth " + depth + " put the needle at " + at + " of " + filler);
            }
        }
    }

    @Test
    void randomDepthSpreadsThePasskey() {
        Task task = new PasskeySource().create(PluginConfig.of(Map.of("length", 3000), "test"));
        SplittableRandom random = new SplittableRandom(5);
        double min = 1;
        double max = 0;
        for (int i = 0; i < 40; i++) {
            String haystack = passkeyHaystack(task.sample(random));
            double at = haystack.indexOf("The pass key is") / (double) haystack.length();
            min = Math.min(min, at);
            max = Math.max(max, at);
        }
        assertTrue(min < 0.2 && max > 0.8, min + " .. " + max);
    }

    @Test
    void needleEvaluationSpansTheGridInOrder() {
        Task task = new NeedleSource().create(PluginConfig.of(Map.of(
                "eval_lengths", List.of(300, 1200), "depths", List.of(0, 0.5, 1),
                "eval_repeats", 2, "needle", "The secret fruit is a {value} mango.",
                "question", "What is the secret fruit?", "answer", "a {value} mango",
                "digits", 3, "filler", "Rain fell. Wind blew hard! Did it stop? No."), "test"));
        List<Example> set = task.evaluationSet();
        EvaluationGrid grid = task.evaluationGrid().orElseThrow();
        assertEquals(new EvaluationGrid(List.of(300, 1200), List.of(0.0, 0.5, 1.0), 2), grid);
        assertEquals(12, set.size());
        assertEquals(12, grid.size());
        for (int i = 0; i < set.size(); i++) {
            int length = grid.lengthAt(i);
            double depth = grid.depthAt(i);
            assertEquals(i < 6 ? 300 : 1200, length);
            assertEquals(List.of(0.0, 0.5, 1.0).get((i / 2) % 3), depth);
            Example example = set.get(i);
            assertTrue(example.reference().matches("a [1-9][0-9]{2} mango"), example.reference());
            assertTrue(example.prompt().endsWith("\n\nQuestion: What is the secret fruit?\nAnswer:"));
            String needle = "The secret fruit is " + example.reference() + ".";
            int start = example.prompt().indexOf("\n\n") + 2;
            int end = example.prompt().indexOf("\n\nQuestion:");
            String haystack = example.prompt().substring(start, end);
            assertTrue(haystack.length() <= length);
            int at = haystack.indexOf(needle);
            int filler = haystack.length() - needle.length();
            assertTrue(Math.abs(at - depth * filler) <= 12, at + " for " + length + " at " + depth);
        }
    }

    @Test
    void aNeedleWithoutValueAlwaysHasTheSameAnswer() {
        Task task = new NeedleSource().create(PluginConfig.of(Map.of("needle",
                "The best thing to do in San Francisco is to sit in Dolores Park.", "question",
                "What is the best thing to do in San Francisco?", "answer",
                "sit in Dolores Park", "length", 800, "depths", List.of(0.5), "eval_repeats", 1),
                "test"));
        assertEquals("sit in Dolores Park", task.sample(new SplittableRandom(1)).reference());
        assertEquals(1, task.evaluationSet().size());
    }

    @Test
    void exactMatchIgnoresSpacesAndAFullStopWhileContainsFindsWholeAnswers() {
        Task task = new PasskeySource().create(PluginConfig.of(Map.of("eval_size", 1), "test"));
        Example example = new Example("p", "12345", List.of());
        assertScore(task.score(example, "12345"), 1, 1);
        assertScore(task.score(example, " 12345.\n"), 1, 1);
        assertScore(task.score(example, "The pass key is 12345."), 0, 1);
        assertScore(task.score(example, "512345"), 0, 0);
        assertScore(task.score(example, "1234"), 0, 0);
        assertScore(task.score(example, ""), 0, 0);
        assertScore(task.score(example, null), 0, 0);
        Example words = new Example("p", "sit in Dolores Park", List.of());
        assertScore(task.score(words, "sit  in Dolores\nPark."), 1, 1);
        assertScore(task.score(words, "You should sit in Dolores Park!"), 0, 1);
        assertScore(task.score(words, "sit in Dolores Parks"), 0, 0);
    }

    private static void assertScore(TaskScore score, double exact, double contains) {
        assertEquals(exact, score.get(TaskScore.EXACT_MATCH).orElseThrow());
        assertEquals(contains, score.get(NeedleTask.CONTAINS).orElseThrow());
    }
}
