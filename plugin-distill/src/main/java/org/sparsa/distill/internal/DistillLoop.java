package org.sparsa.distill.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.stage.NonFiniteSteps;
import org.sparsa.core.stage.StagePosition;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWOptions;
import org.sparsa.core.train.TrainStep;

/**
 * The student's training loop, the built-in stages' one with a distillation loss: trainable
 * and frozen parameters and learning-rate groups from the stage's settings, one
 * {@link TrainStep} per step over {@code accumulate} micro-batches, {@code loss}, {@code lr},
 * {@code grad_norm}, {@code tokens_per_s} and the loss's parts per step, evaluations and
 * checkpoints when due. The data stream is saved in every checkpoint, so a resumed stage draws
 * the batches the uninterrupted one would have.
 */
final class DistillLoop {
    static final String DATA_STREAM = "data";

    private final TrainingContext context;
    private final StageSettings settings;
    private final StudentLoss loss;
    private final Supplier<Map<String, Double>> evaluation;
    private final Map<String, Double> firstStepExtras;

    /**
     * @param evaluation the student's evaluation metrics, run when due
     * @param firstStepExtras metrics logged with the first step (what the data generation saw)
     */
    DistillLoop(TrainingContext context, StageSettings settings, StudentLoss loss,
            Supplier<Map<String, Double>> evaluation, Map<String, Double> firstStepExtras) {
        this.context = context;
        this.settings = settings;
        this.loss = loss;
        this.evaluation = evaluation;
        this.firstStepExtras = firstStepExtras;
    }

    /** Trains to the stage's last step; returns the last evaluation's metrics. */
    Map<String, Double> run() throws IOException {
        LlamaModel model = context.model();
        ParameterStore store = model.parameters();
        if (settings.trainable().isEmpty()) {
            store.unfreeze("*");
        } else {
            store.freeze("*");
            store.unfreeze(settings.trainable().toArray(String[]::new));
        }
        if (!settings.frozen().isEmpty()) {
            store.freeze(settings.frozen().toArray(String[]::new));
        }
        AdamW optimizer = new AdamW(store, AdamWOptions.of(settings.lr())
                .withWeightDecay(settings.weightDecay()), name -> true,
                settings.lrScales(store));
        SplitMix64 data = SplitMix64.forPurpose(context.seed(), DATA_STREAM);
        long step = 0;
        long drawn = 0;
        Optional<StagePosition> resumed = context.checkpoints().restore(optimizer);
        if (resumed.isPresent()) {
            step = resumed.get().step();
            drawn = resumed.get().dataPosition();
            Long state = resumed.get().rngStates().get(DATA_STREAM);
            if (state == null) {
                throw new IOException("stage '" + context.name() + "': the checkpoint holds no "
                        + "state of the '" + DATA_STREAM + "' stream to resume from");
            }
            data = SplitMix64.ofState(state);
        }
        TrainStep trainStep = new TrainStep(optimizer, settings.learningRates(),
                settings.gradClip() > 0 ? settings.gradClip() : Double.POSITIVE_INFINITY);
        int rows = settings.batch() / settings.accumulate();
        int seqLen = Math.min(settings.seqLen(), model.config().maxSequence());
        Map<String, Double> lastEvaluation = Map.of();
        NonFiniteSteps guard = new NonFiniteSteps(context.name(), settings.maxNonFiniteSteps(),
                context.metrics());
        while (step < settings.steps()) {
            context.stepBoundary(step);
            long start = System.nanoTime();
            Map<String, Double> parts = new LinkedHashMap<>();
            SplitMix64 stream = data;
            long[] tokens = {0};
            Optional<TrainStep.Result> taken = guard.run(step + 1, () -> trainStep.run(
                    settings.accumulate(), i -> {
                        Variable value = loss.next(rows, seqLen, stream, parts);
                        tokens[0] += loss.lastTokens();
                        return value;
                    }));
            drawn += settings.batch();
            step++;
            if (taken.isEmpty()) {
                // Skipped: nothing to report, and no checkpoint while a bad row is open.
                continue;
            }
            TrainStep.Result result = taken.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("loss", result.loss());
            metrics.put("lr", result.lr());
            metrics.put("grad_norm", result.gradNorm());
            metrics.put("tokens_per_s", tokens[0] / seconds);
            parts.forEach((name, sum) -> metrics.put(name, sum / settings.accumulate()));
            if (step == 1) {
                metrics.putAll(firstStepExtras);
            }
            context.metrics().log(step, metrics);
            if (settings.due(settings.evalEvery(), step)) {
                lastEvaluation = evaluation.get();
                context.metrics().log(step, lastEvaluation);
            }
            if (settings.due(settings.checkpointEvery(), step)) {
                context.checkpoints().save(new StagePosition(step, drawn,
                        Map.of(DATA_STREAM, data.state())), optimizer);
            }
        }
        return lastEvaluation;
    }
}
