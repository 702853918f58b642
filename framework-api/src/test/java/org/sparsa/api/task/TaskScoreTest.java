package org.sparsa.api.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Task scores and the default exact-match metric of {@link Task#score}. */
class TaskScoreTest {
    private static final Task TASK = new Task() {
        @Override
        public Example sample(RandomGenerator random) {
            return new Example("p", "r", List.of());
        }

        @Override
        public List<Example> evaluationSet() {
            return List.of();
        }
    };

    @Test
    void theDefaultScoreIsExactMatchOfTheStrippedText() {
        Example example = new Example("2+2?", " 4 ", List.of());
        assertEquals(TaskScore.exactMatch(true), TASK.score(example, "4\n"));
        assertEquals(TaskScore.exactMatch(false), TASK.score(example, "four"));
        assertEquals(TaskScore.exactMatch(false), TASK.score(example, null));
        assertEquals(TaskScore.none(), TASK.score(new Example("text", null, List.of()), "x"));
    }

    @Test
    void metricsKeepTheirOrderAndRejectNonFiniteValues() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("recall", 0.5);
        metrics.put(TaskScore.EXACT_MATCH, 0.0);
        TaskScore score = new TaskScore(metrics);
        metrics.put("late", 1.0);
        assertEquals(List.of("recall", "exact_match"), List.copyOf(score.metrics().keySet()));
        assertEquals(OptionalDouble.of(0.5), score.get("recall"));
        assertTrue(score.get("missing").isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> score.metrics().put("x", 1.0));
        assertThrows(IllegalArgumentException.class,
                () -> new TaskScore(Map.of("recall", Double.NaN)));
        Map<String, Double> withNull = new LinkedHashMap<>();
        withNull.put("recall", null);
        assertThrows(IllegalArgumentException.class, () -> new TaskScore(withNull));
    }
}
