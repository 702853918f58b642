package org.sparsa.runner.internal.recipe;

import java.util.List;
import org.sparsa.api.compute.BackendKind;

/**
 * A validated run description: the model, the task, the stages and where results go, with every
 * default filled in ({@link RecipeDefaults}). Made by {@link RecipeLoader}; written back out by
 * {@link ResolvedRecipe}.
 *
 * @param name names the run and its default folder
 * @param seed the run's seed; stages derive theirs from it
 * @param backend the compute backend asked for
 * @param model the model
 * @param task the task every stage draws its data from
 * @param stages the stages, in the order they run
 * @param outputDir the run folder, or {@code null} for {@code runs/NAME-TIMESTAMP}
 * @param resume {@code never}, {@code auto} (continue the run in {@code outputDir} if there is
 *     one) or the path of a checkpoint to start from
 */
public record Recipe(String name, long seed, BackendKind backend, ModelSpec model, PluginRef task,
        List<StageSpec> stages, String outputDir, String resume) {
    public Recipe {
        stages = List.copyOf(stages);
    }

    /** This recipe with its run folder fixed, as written to {@code config.resolved.yaml}. */
    public Recipe withOutputDir(String dir) {
        return new Recipe(name, seed, backend, model, task, stages, dir, resume);
    }
}
