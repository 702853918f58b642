package org.sparsa.core.stage;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.train.LearningRateSchedule;

/**
 * The settings a recipe gives every stage, whatever its kind; the kind's own keys come in its
 * {@link org.sparsa.api.plugin.PluginConfig}.
 *
 * @param steps optimiser steps (for {@code eval}: evaluation batches)
 * @param batch sequences per step, split evenly into {@code accumulate} micro-batches
 * @param seqLen tokens per training sequence
 * @param lr peak learning rate
 * @param schedule {@code constant} or {@code cosine}, after {@code warmup} linear warm-up steps
 * @param warmup warm-up steps
 * @param minLr the rate a cosine schedule ends at
 * @param weightDecay decoupled weight decay
 * @param gradClip the global gradient-norm clip, 0 for none
 * @param accumulate micro-batches per step
 * @param frozen globs of parameter names kept fixed in this stage
 * @param attentionMode the mode every attention layer runs in; {@code default} keeps each
 *     plugin's own
 * @param evalEvery steps between evaluations, 0 for the end of the stage only
 * @param checkpointEvery steps between checkpoints, 0 for the end of the stage only
 * @param trainable globs of the only parameters that train in this stage, empty for all;
 *     {@code frozen} then fixes some of those too
 * @param lrGroups peak learning rates by parameter-name glob, in place of {@code lr}; the first
 *     glob that matches a parameter gives its rate, which follows the stage's schedule scaled
 *     by {@code rate / lr}
 * @param lmLossWeight the weight of the language-model loss in the objective; at 0 it is not
 *     computed
 * @param auxLossWeight the weight of the attention layers' auxiliary losses (the DSA indexer KL)
 * @param maxNonFiniteSteps how many steps in a row may have a non-finite loss or gradients
 *     (each skipped, the optimiser untouched) before the stage stops
 */
public record StageSettings(long steps, int batch, int seqLen, double lr, String schedule,
        long warmup, double minLr, double weightDecay, double gradClip, int accumulate,
        List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery,
        List<String> trainable, Map<String, Double> lrGroups, double lmLossWeight,
        double auxLossWeight, int maxNonFiniteSteps) {
    /** The attention mode that leaves each plugin its own. */
    public static final String DEFAULT_MODE = "default";
    /** Non-finite steps in a row tolerated when a recipe does not say. */
    public static final int DEFAULT_MAX_NONFINITE_STEPS = 5;

    public StageSettings {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(attentionMode, "attentionMode");
        frozen = List.copyOf(frozen);
        trainable = List.copyOf(trainable);
        // Kept in the given order: the first glob that matches wins.
        lrGroups = Collections.unmodifiableMap(new LinkedHashMap<>(lrGroups));
        for (Map.Entry<String, Double> group : lrGroups.entrySet()) {
            double rate = Objects.requireNonNull(group.getValue(), group.getKey());
            if (!(rate >= 0 && Double.isFinite(rate))) {
                throw new IllegalArgumentException("stage settings: lr_groups '"
                        + group.getKey() + "' has rate " + rate + ", expected a finite rate "
                        + "of at least 0");
            }
        }
        if (!lrGroups.isEmpty() && !(lr > 0)) {
            throw new IllegalArgumentException("stage settings: lr_groups scale the schedule of "
                    + "lr, which must then be above 0, found " + lr);
        }
        if (!(lmLossWeight >= 0 && Double.isFinite(lmLossWeight) && auxLossWeight >= 0
                && Double.isFinite(auxLossWeight)) || lmLossWeight + auxLossWeight == 0) {
            throw new IllegalArgumentException("stage settings: lm_loss_weight "
                    + lmLossWeight + " and aux_loss_weight " + auxLossWeight + " must be "
                    + "finite and at least 0, and not both 0");
        }
        if (steps < 1 || batch < 1 || seqLen < 2 || accumulate < 1) {
            throw new IllegalArgumentException("stage settings: steps, batch and accumulate must "
                    + "be positive and seq_len at least 2, found steps " + steps + ", batch "
                    + batch + ", seq_len " + seqLen + ", accumulate " + accumulate);
        }
        if (maxNonFiniteSteps < 1) {
            throw new IllegalArgumentException("stage settings: max_nonfinite_steps "
                    + maxNonFiniteSteps + " must be at least 1");
        }
        if (batch % accumulate != 0) {
            throw new IllegalArgumentException("stage settings: batch " + batch
                    + " is not a multiple of accumulate " + accumulate);
        }
    }

    /**
     * The settings of stage kinds that predate {@code maxNonFiniteSteps}: the default,
     * {@value #DEFAULT_MAX_NONFINITE_STEPS}, applies.
     */
    public StageSettings(long steps, int batch, int seqLen, double lr, String schedule,
            long warmup, double minLr, double weightDecay, double gradClip, int accumulate,
            List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery,
            List<String> trainable, Map<String, Double> lrGroups, double lmLossWeight,
            double auxLossWeight) {
        this(steps, batch, seqLen, lr, schedule, warmup, minLr, weightDecay, gradClip,
                accumulate, frozen, attentionMode, evalEvery, checkpointEvery, trainable,
                lrGroups, lmLossWeight, auxLossWeight, DEFAULT_MAX_NONFINITE_STEPS);
    }

    /**
     * The settings of the stage kinds that predate {@code trainable}, {@code lrGroups} and the
     * loss weights: every parameter trains at {@code lr}, both losses at weight 1.
     */
    public StageSettings(long steps, int batch, int seqLen, double lr, String schedule,
            long warmup, double minLr, double weightDecay, double gradClip, int accumulate,
            List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery) {
        this(steps, batch, seqLen, lr, schedule, warmup, minLr, weightDecay, gradClip,
                accumulate, frozen, attentionMode, evalEvery, checkpointEvery, List.of(),
                Map.of(), 1, 1);
    }

    /** These settings with {@code mode} in every attention layer. */
    public StageSettings withAttentionMode(String mode) {
        return new StageSettings(steps, batch, seqLen, lr, schedule, warmup, minLr, weightDecay,
                gradClip, accumulate, frozen, mode, evalEvery, checkpointEvery, trainable,
                lrGroups, lmLossWeight, auxLossWeight, maxNonFiniteSteps);
    }

    /** These settings training only the parameters {@code globs} match. */
    public StageSettings withTrainable(List<String> globs) {
        return new StageSettings(steps, batch, seqLen, lr, schedule, warmup, minLr, weightDecay,
                gradClip, accumulate, frozen, attentionMode, evalEvery, checkpointEvery, globs,
                lrGroups, lmLossWeight, auxLossWeight, maxNonFiniteSteps);
    }

    /** These settings with the peak rates {@code groups} by parameter-name glob. */
    public StageSettings withLrGroups(Map<String, Double> groups) {
        return new StageSettings(steps, batch, seqLen, lr, schedule, warmup, minLr, weightDecay,
                gradClip, accumulate, frozen, attentionMode, evalEvery, checkpointEvery,
                trainable, groups, lmLossWeight, auxLossWeight, maxNonFiniteSteps);
    }

    /** These settings with the weights of the language-model and the auxiliary losses. */
    public StageSettings withLossWeights(double lm, double auxiliary) {
        return new StageSettings(steps, batch, seqLen, lr, schedule, warmup, minLr, weightDecay,
                gradClip, accumulate, frozen, attentionMode, evalEvery, checkpointEvery,
                trainable, lrGroups, lm, auxiliary, maxNonFiniteSteps);
    }

    /** These settings stopping after {@code limit} non-finite steps in a row. */
    public StageSettings withMaxNonFiniteSteps(int limit) {
        return new StageSettings(steps, batch, seqLen, lr, schedule, warmup, minLr, weightDecay,
                gradClip, accumulate, frozen, attentionMode, evalEvery, checkpointEvery,
                trainable, lrGroups, lmLossWeight, auxLossWeight, limit);
    }

    /**
     * Each parameter's factor on the schedule's rate: {@code rate / lr} of the first
     * {@link #lrGroups} glob matching it, 1 when none does.
     *
     * @throws IllegalArgumentException naming a glob that matches no parameter of {@code store}
     *     (a typo would otherwise train at the wrong rate)
     */
    public ToDoubleFunction<String> lrScales(ParameterStore store) {
        Map<String, Double> scales = new LinkedHashMap<>();
        for (Map.Entry<String, Double> group : lrGroups.entrySet()) {
            List<String> names = store.matching(group.getKey());
            if (names.isEmpty()) {
                throw new IllegalArgumentException("stage settings: lr_groups pattern '"
                        + group.getKey() + "' matches no parameter");
            }
            for (String name : names) {
                scales.putIfAbsent(name, group.getValue() / lr);
            }
        }
        return name -> scales.getOrDefault(name, 1.0);
    }

    /** The learning rate of each of this stage's steps. */
    public LearningRateSchedule learningRates() {
        return switch (schedule) {
            case "constant" -> LearningRateSchedule.warmupConstant(lr, warmup);
            case "cosine" -> LearningRateSchedule.warmupCosine(lr, warmup, steps, minLr);
            default -> throw new IllegalArgumentException("stage settings: schedule '" + schedule
                    + "', expected constant or cosine");
        };
    }

    /** Each layer's attention mode for {@code layers} layers, or null for the plugins' own. */
    public List<String> modes(int layers) {
        return DEFAULT_MODE.equals(attentionMode) ? null
                : java.util.Collections.nCopies(layers, attentionMode);
    }

    /** Whether something due every {@code every} steps (0: at the end) is due after {@code step}. */
    public boolean due(long every, long step) {
        return step == steps || (every > 0 && step % every == 0);
    }
}
