package org.sparsa.core.stage;

import java.util.List;
import java.util.Objects;
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
 */
public record StageSettings(long steps, int batch, int seqLen, double lr, String schedule,
        long warmup, double minLr, double weightDecay, double gradClip, int accumulate,
        List<String> frozen, String attentionMode, long evalEvery, long checkpointEvery) {
    /** The attention mode that leaves each plugin its own. */
    public static final String DEFAULT_MODE = "default";

    public StageSettings {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(attentionMode, "attentionMode");
        frozen = List.copyOf(frozen);
        if (steps < 1 || batch < 1 || seqLen < 2 || accumulate < 1) {
            throw new IllegalArgumentException("stage settings: steps, batch and accumulate must "
                    + "be positive and seq_len at least 2, found steps " + steps + ", batch "
                    + batch + ", seq_len " + seqLen + ", accumulate " + accumulate);
        }
        if (batch % accumulate != 0) {
            throw new IllegalArgumentException("stage settings: batch " + batch
                    + " is not a multiple of accumulate " + accumulate);
        }
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
