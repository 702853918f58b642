package org.sparsa.api.task;

import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.osgi.annotation.versioning.ConsumerType;

/** A configured task, made by a {@link TaskSource}. */
@ConsumerType
public interface Task {

    /** Draws a training example; the same generator state gives the same example. */
    Example sample(RandomGenerator random);

    /** The held-out examples scores are reported on, in a fixed order. */
    List<Example> evaluationSet();

    /**
     * How the evaluation set is laid out when it is a grid of context lengths by needle depths
     * (its examples in the grid's order), so that reports can draw scores as a heat map; empty,
     * the default, when it is not.
     */
    default Optional<EvaluationGrid> evaluationGrid() {
        return Optional.empty();
    }

    /**
     * Scores {@code completion} as an answer to {@code example} by this task's own metrics. The
     * default reports {@value TaskScore#EXACT_MATCH}: 1 when the completion, stripped of
     * surrounding white space, equals the reference, likewise stripped; no metric at all when the
     * example has no reference. A {@code null} completion reads as empty. Never throws on odd
     * text: a completion the task cannot read simply scores 0.
     */
    default TaskScore score(Example example, String completion) {
        if (example.reference() == null) {
            return TaskScore.none();
        }
        String text = completion == null ? "" : completion.strip();
        return TaskScore.exactMatch(text.equals(example.reference().strip()));
    }
}
