package org.sparsa.core.task.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;

/**
 * A task whose examples are generated from random draws: the evaluation set is drawn once from
 * the configuration's seed, and training draws of a problem in it are redrawn, so that
 * evaluation measures generalisation rather than recall, wherever the space of examples is
 * large enough for that to be possible.
 */
abstract class GeneratedTask implements Task {
    /** Redraws tried before giving up on disjointness; tiny example spaces may not allow it. */
    private static final int ATTEMPTS = 64;

    private List<Example> evaluation;
    private Set<String> heldOut;

    /** Draws one example; the same generator state must give the same example. */
    abstract Example generate(RandomGenerator random);

    /**
     * What makes two examples the same problem, for keeping training draws off the evaluation
     * set: the prompt, unless a task words one problem in several ways.
     */
    String identity(Example example) {
        return example.prompt();
    }

    /**
     * Draws the evaluation set of {@code size} distinct examples from {@code seed}; call once,
     * from the subclass's constructor, after its fields are set. Subclasses with a structured
     * evaluation set (a grid) pass their own examples to {@link #holdOut(List)} instead.
     */
    final void drawEvaluation(long seed, int size) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Example> examples = new ArrayList<>(size);
        Set<String> prompts = new HashSet<>();
        for (int tries = 0; examples.size() < size && tries < size * ATTEMPTS; tries++) {
            Example example = generate(random);
            if (prompts.add(identity(example))) {
                examples.add(example);
            }
        }
        holdOut(examples);
    }

    /** Makes {@code examples} the evaluation set. */
    final void holdOut(List<Example> examples) {
        evaluation = List.copyOf(examples);
        heldOut = new HashSet<>();
        for (Example example : examples) {
            heldOut.add(identity(example));
        }
    }

    @Override
    public final Example sample(RandomGenerator random) {
        Example example = generate(random);
        for (int i = 1; i < ATTEMPTS && heldOut.contains(identity(example)); i++) {
            example = generate(random);
        }
        return example;
    }

    @Override
    public final List<Example> evaluationSet() {
        return evaluation;
    }
}
