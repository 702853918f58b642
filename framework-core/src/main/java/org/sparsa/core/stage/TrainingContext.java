package org.sparsa.core.stage;

import org.sparsa.api.stage.StageContext;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * What the run hands a stage that trains or evaluates the framework's model: the
 * {@link StageContext} plus the model, its tokenizer, the recipe's task, the stage's settings
 * and its checkpoints. Stage kinds receive the plain {@code StageContext} type through the API;
 * those that need the model check for this one (see {@link #of}).
 */
public interface TrainingContext extends StageContext {

    /** The model, shared by every stage of the run. */
    LlamaModel model();

    /** The tokenizer the model's vocabulary comes from. */
    Tokenizer tokenizer();

    /** The recipe's task. */
    Task task();

    /** The settings the recipe gives this stage. */
    StageSettings settings();

    /** Where this stage saves and resumes. */
    StageCheckpoints checkpoints();

    /**
     * Other models, tasks and rewards the run can make for this stage.
     *
     * @throws IllegalStateException when the run offers none (a bare test context)
     */
    default StageResources resources() {
        throw new IllegalStateException("stage '" + name() + "': the run offers no other models, "
                + "tasks or rewards to this stage");
    }

    /**
     * Called by a stage's training loop between two optimiser steps, after {@code step} steps
     * of the stage and before the next one draws its batch: the one point where the run may
     * change the model's attention implementation (a plugin swapped during the run) without
     * a step mixing two of them. It may block while such a change is applied. Loops of plugin
     * stage kinds call it too where they can; a run that swaps nothing does nothing here.
     *
     * @param step the steps of this stage done so far
     */
    default void stepBoundary(long step) {
    }

    /**
     * {@code context} as a training context.
     *
     * @throws IllegalArgumentException naming the stage when the run gave no model
     */
    static TrainingContext of(StageContext context) {
        if (context instanceof TrainingContext training) {
            return training;
        }
        throw new IllegalArgumentException("stage '" + context.name() + "' trains the model, but "
                + "the run gave it no model (a " + context.getClass().getName() + ")");
    }
}
