package org.sparsa.runner.internal.recipe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.core.stage.StageSettings;

/**
 * One stage of a recipe, run in order with the others on the same model.
 *
 * @param name unique within the recipe; names the stage's checkpoints and metrics
 * @param kind a stage kind plugin id: {@code pretrain}, {@code sft}, {@code eval} or another
 * @param steps optimiser steps (for {@code eval}: evaluation batches)
 * @param batch sequences per step
 * @param seqLen tokens per sequence, at most the model's {@code max_seq}
 * @param lr peak learning rate
 * @param schedule the learning-rate schedule
 * @param weightDecay decoupled (AdamW) weight decay
 * @param gradClip global gradient-norm clip, 0 for none
 * @param accumulate micro-batches accumulated per step
 * @param frozen globs of parameter names kept fixed in this stage ({@code model.embed*})
 * @param attentionMode the mode handed to the attention plugin ({@code default} leaves its own)
 * @param evalEvery steps between evaluations, 0 for the end of the stage only
 * @param checkpointEvery steps between checkpoints, 0 for the end of the stage only
 * @param config the stage kind plugin's own keys
 * @param trainable globs of the only parameters that train, empty for all
 * @param lrGroups peak learning rates by parameter-name glob, the first match winning
 * @param lmLossWeight the weight of the language-model loss
 * @param auxLossWeight the weight of the attention layers' auxiliary losses
 * @param task the stage's own task, or null for the recipe's
 * @param model the stage's own model, trained from fresh weights and kept in the run folder's
 *     {@code stages/NAME/}, or null for the run's model
 * @param maxNonFiniteSteps steps in a row with a non-finite loss or gradients (each skipped)
 *     before the stage stops
 * @param stepTimeout seconds one step may take, from one step boundary to the next, before
 *     the run fails naming the plugin it is stuck in; 0 for no limit
 */
public record StageSpec(String name, String kind, long steps, int batch, int seqLen, double lr,
        Schedule schedule, double weightDecay, double gradClip, int accumulate,
        List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery,
        Map<String, Object> config, List<String> trainable, Map<String, Double> lrGroups,
        double lmLossWeight, double auxLossWeight, PluginRef task, ModelSpec model,
        int maxNonFiniteSteps, long stepTimeout) {
    public StageSpec {
        frozen = List.copyOf(frozen);
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        trainable = List.copyOf(trainable);
        lrGroups = Collections.unmodifiableMap(new LinkedHashMap<>(lrGroups));
    }

    /** A stage with the default step timeout. */
    public StageSpec(String name, String kind, long steps, int batch, int seqLen, double lr,
            Schedule schedule, double weightDecay, double gradClip, int accumulate,
            List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery,
            Map<String, Object> config, List<String> trainable, Map<String, Double> lrGroups,
            double lmLossWeight, double auxLossWeight, PluginRef task, ModelSpec model,
            int maxNonFiniteSteps) {
        this(name, kind, steps, batch, seqLen, lr, schedule, weightDecay, gradClip, accumulate,
                frozen, attentionMode, evalEvery, checkpointEvery, config, trainable, lrGroups,
                lmLossWeight, auxLossWeight, task, model, maxNonFiniteSteps,
                RecipeDefaults.STEP_TIMEOUT);
    }

    /** A stage that tolerates the default non-finite steps in a row. */
    public StageSpec(String name, String kind, long steps, int batch, int seqLen, double lr,
            Schedule schedule, double weightDecay, double gradClip, int accumulate,
            List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery,
            Map<String, Object> config, List<String> trainable, Map<String, Double> lrGroups,
            double lmLossWeight, double auxLossWeight, PluginRef task, ModelSpec model) {
        this(name, kind, steps, batch, seqLen, lr, schedule, weightDecay, gradClip, accumulate,
                frozen, attentionMode, evalEvery, checkpointEvery, config, trainable, lrGroups,
                lmLossWeight, auxLossWeight, task, model, RecipeDefaults.MAX_NONFINITE_STEPS);
    }

    /** A stage of the recipe's task and the run's model. */
    public StageSpec(String name, String kind, long steps, int batch, int seqLen, double lr,
            Schedule schedule, double weightDecay, double gradClip, int accumulate,
            List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery,
            Map<String, Object> config, List<String> trainable, Map<String, Double> lrGroups,
            double lmLossWeight, double auxLossWeight) {
        this(name, kind, steps, batch, seqLen, lr, schedule, weightDecay, gradClip, accumulate,
                frozen, attentionMode, evalEvery, checkpointEvery, config, trainable, lrGroups,
                lmLossWeight, auxLossWeight, null, null);
    }

    /** A stage where every parameter trains at {@code lr} on both losses at weight 1. */
    public StageSpec(String name, String kind, long steps, int batch, int seqLen, double lr,
            Schedule schedule, double weightDecay, double gradClip, int accumulate,
            List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery,
            Map<String, Object> config) {
        this(name, kind, steps, batch, seqLen, lr, schedule, weightDecay, gradClip, accumulate,
                frozen, attentionMode, evalEvery, checkpointEvery, config, List.of(), Map.of(),
                1, 1);
    }

    /** The settings the stage kind runs with. */
    public StageSettings settings() {
        return new StageSettings(steps, batch, seqLen, lr, schedule.kind(), schedule.warmup(),
                schedule.minLr(), weightDecay, gradClip, accumulate, frozen, attentionMode,
                evalEvery, checkpointEvery, trainable, lrGroups, lmLossWeight, auxLossWeight,
                maxNonFiniteSteps);
    }
}
