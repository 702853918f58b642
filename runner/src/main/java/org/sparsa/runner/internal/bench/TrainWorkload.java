package org.sparsa.runner.internal.bench;

import java.util.List;
import java.util.function.Consumer;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWOptions;
import org.sparsa.core.train.LearningRateSchedule;
import org.sparsa.core.train.TrainStep;

/**
 * {@code train}: one training step of {@link BenchModel} per attention plugin on one sequence of
 * {@code T} seeded random tokens, batch 1, with the classes a run trains with: forward, mean
 * next-token cross-entropy, backward and an AdamW step ({@link TrainStep}). The optimiser is the
 * baseline's: PyTorch's AdamW defaults (betas 0.9/0.999, eps 1e-8, weight decay 0.01) at lr
 * 3e-4, no clipping. Records {@code T}, {@code layers}, {@code dim}, {@code seconds_per_step},
 * {@code tokens_per_second} ({@code T / seconds_per_step}), {@code params} and
 * {@code gc_share}, the share of the step's wall time the garbage collectors report over
 * {@link #GC_STEPS} further steps (what the step's allocations cost).
 *
 * @param plugins the attention plugin ids, one model each
 * @param lengths the values of {@code T}; the baseline's is 1024
 * @param model the model's sizes
 */
public record TrainWorkload(List<String> plugins, List<Integer> lengths, BenchModel model)
        implements Workload {
    /** The baseline's sequence length. */
    public static final List<Integer> BASELINE_LENGTHS = List.of(1024);
    private static final double LEARNING_RATE = 3e-4;
    private static final double TORCH_WEIGHT_DECAY = 0.01;
    /** Steps over which {@code gc_share} is measured, after the timed ones. */
    static final int GC_STEPS = 3;

    public TrainWorkload {
        plugins = List.copyOf(plugins);
        lengths = List.copyOf(lengths);
        if (plugins.isEmpty()) {
            throw new IllegalArgumentException("train: --plugin names no plugin");
        }
        for (int t : lengths) {
            if (t < 2) {
                throw new IllegalArgumentException("train: --lengths must be at least 2 (a "
                        + "next-token loss needs a target), found " + t);
            }
        }
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public int baselineRepeats() {
        return 5;
    }

    @Override
    public void run(BenchContext context, Consumer<Measurement> sink) {
        MedianTimer timer = context.timer(baselineRepeats());
        for (String id : plugins) {
            for (int length : lengths) {
                LlamaModel llama = model.build(context, id, length);
                AdamW optimizer = new AdamW(llama.parameters(), AdamWOptions.of(LEARNING_RATE)
                        .withWeightDecay(TORCH_WEIGHT_DECAY));
                TrainStep step = new TrainStep(optimizer,
                        LearningRateSchedule.constant(LEARNING_RATE), Double.POSITIVE_INFINITY);
                IntTensor tokens = tokens(context, length);
                Runnable oneStep = () -> step.run(1, i -> llama.loss(tokens));
                double seconds = timer.seconds(() -> oneStep);
                double gcShare = CollectorShare.of(oneStep, GC_STEPS);
                sink.accept(Measurement.of(name(), context.backendName())
                        .with(Measurement.PLUGIN, id)
                        .with("T", length)
                        .with("layers", model.layers())
                        .with("dim", model.dim())
                        .with("seconds_per_step", seconds)
                        .with("tokens_per_second", length / seconds)
                        .with("params", llama.parameters().valueCount())
                        .with("gc_share", gcShare));
            }
        }
    }

    private IntTensor tokens(BenchContext context, int length) {
        SplitMix64 random = SplitMix64.forPurpose(context.seed(), "train.tokens");
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = random.nextInt(model.vocab());
        }
        return IntTensor.of(ids, 1, length);
    }
}
