package org.sparsa.core.train;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntFunction;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.parameter.ParameterStore;

/**
 * One optimiser step over {@code k} micro-batches (gradient accumulation): each micro-batch's
 * loss is scaled by {@code 1/k} and back-propagated, so the gradients add up to those of the
 * mean loss over the whole batch; then the gradients are clipped by global norm and the
 * optimiser steps once at the schedule's rate for its step number.
 *
 * <p>Which parameters train is the store's business: freeze and unfreeze there per stage.
 * Micro-batches run in index order, so gradients are summed in a fixed order.
 */
public final class TrainStep {
    private final AdamW optimizer;
    private final LearningRateSchedule schedule;
    private final double maxGradNorm;

    /**
     * The outcome of one step.
     *
     * @param step the step's number (0-based; the optimiser's step count before it)
     * @param loss the mean of the micro-batches' losses
     * @param gradNorm the global gradient norm before clipping
     * @param lr the learning rate used
     */
    public record Result(long step, double loss, double gradNorm, double lr) {}

    /**
     * @param optimizer the optimiser, over the store whose gradients are accumulated
     * @param schedule the learning rate for each step
     * @param maxGradNorm the global norm gradients are clipped to; {@code Double.POSITIVE_INFINITY}
     *     to measure the norm without clipping
     */
    public TrainStep(AdamW optimizer, LearningRateSchedule schedule, double maxGradNorm) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        if (!(maxGradNorm > 0)) {
            throw new IllegalArgumentException("TrainStep: maxGradNorm " + maxGradNorm
                    + " must be positive (infinity to not clip)");
        }
        this.maxGradNorm = maxGradNorm;
    }

    /**
     * Clears the gradients, runs {@code microBatches} closures in order, each returning the mean
     * loss of its micro-batch as a single-value variable, and steps once.
     *
     * <p>When a closure fails or the gradient norm is not finite, the optimiser does not step:
     * parameters and optimiser state are exactly as before the call.
     *
     * @throws IllegalArgumentException if {@code microBatches} is not positive or a loss is not
     *     a single value
     * @throws NonFiniteStepException if the gradient norm or the loss is not finite; it names
     *     the parameters with non-finite gradients
     */
    public Result run(int microBatches, IntFunction<Variable> loss) {
        if (microBatches < 1) {
            throw new IllegalArgumentException("TrainStep: microBatches " + microBatches
                    + " must be at least 1");
        }
        Objects.requireNonNull(loss, "loss");
        ParameterStore store = optimizer.store();
        store.zeroGrad();
        double scale = 1.0 / microBatches;
        double lossSum = 0;
        for (int i = 0; i < microBatches; i++) {
            Variable value = Objects.requireNonNull(loss.apply(i), "loss of micro-batch " + i);
            if (value.value().size() != 1) {
                throw new IllegalArgumentException("TrainStep: micro-batch " + i
                        + " returned a loss of shape " + Arrays.toString(value.shape())
                        + ", expected a single value");
            }
            lossSum += value.value().toArray()[0];
            (microBatches == 1 ? value : value.ops().scale(value, scale)).backward();
        }
        double norm = Double.isInfinite(maxGradNorm) ? GradientClipping.globalNorm(store)
                : GradientClipping.clipByGlobalNorm(store, maxGradNorm);
        long step = optimizer.steps();
        double meanLoss = lossSum / microBatches;
        if (!Double.isFinite(norm) || !Double.isFinite(meanLoss)) {
            throw new NonFiniteStepException(step, meanLoss, norm,
                    GradientClipping.nonFiniteGradients(store));
        }
        double lr = schedule.at(step);
        optimizer.step(lr);
        return new Result(step, meanLoss, norm, lr);
    }
}
