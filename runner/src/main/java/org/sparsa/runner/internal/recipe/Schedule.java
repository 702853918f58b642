package org.sparsa.runner.internal.recipe;

/**
 * A stage's learning-rate schedule: linear warm-up from 0 to the stage's {@code lr}, then
 * constant or cosine decay to {@code min_lr} at the last step.
 *
 * @param kind {@code constant} or {@code cosine}
 * @param warmup warm-up steps, below the stage's steps
 * @param minLr the rate a cosine schedule ends at
 */
public record Schedule(String kind, long warmup, double minLr) {
}
