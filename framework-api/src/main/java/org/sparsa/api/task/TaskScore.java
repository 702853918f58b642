package org.sparsa.api.task;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The named metric values a task gives one completion of one of its examples, each in [0, 1]
 * unless the task documents otherwise ({@code exact_match}, {@code recall}). Averaging a metric
 * over the evaluation set gives the task's score on it. Empty when the task has no metric a
 * completion can be scored by (a plain text corpus, whose measure is the trainer's loss).
 *
 * @param metrics metric values by name, in the order the task reports them; copied
 */
public record TaskScore(Map<String, Double> metrics) {
    /** 1 when the completion's answer equals the reference, else 0. */
    public static final String EXACT_MATCH = "exact_match";

    private static final TaskScore NONE = new TaskScore(Map.of());

    public TaskScore {
        Map<String, Double> copy = new LinkedHashMap<>();
        metrics.forEach((name, value) -> {
            if (name == null || value == null || !Double.isFinite(value)) {
                throw new IllegalArgumentException("task score: metric '" + name
                        + "' must have a finite value, found " + value);
            }
            copy.put(name, value);
        });
        metrics = Collections.unmodifiableMap(copy);
    }

    /** The score with no metrics. */
    public static TaskScore none() {
        return NONE;
    }

    /** The score holding only {@value #EXACT_MATCH}: 1 when {@code match}, else 0. */
    public static TaskScore exactMatch(boolean match) {
        return new TaskScore(Map.of(EXACT_MATCH, match ? 1.0 : 0.0));
    }

    /** The value of metric {@code name}, when reported. */
    public OptionalDouble get(String name) {
        Double value = metrics.get(name);
        return value == null ? OptionalDouble.empty() : OptionalDouble.of(value);
    }
}
