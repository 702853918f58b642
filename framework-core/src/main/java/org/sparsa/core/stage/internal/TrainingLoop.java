package org.sparsa.core.stage.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelOutput;
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
 * The loop a training stage runs: set the stage's trainable and frozen parameters, make its
 * optimiser (with the rate of each parameter's learning-rate group), pick up where a checkpoint
 * left off, then for each step draw the micro-batches, take one {@link TrainStep} on the
 * weighted sum of the language-model loss and the attention layers' auxiliary losses, report
 * {@code loss}, {@code lr}, {@code grad_norm}, {@code tokens_per_s} and, when the model has
 * auxiliary losses, {@code lm_loss} and {@code aux/{name}} (each auxiliary loss summed over the
 * layers, before weighting), and evaluate and checkpoint when due. The data stream is the stage's
 * {@code data} random stream, saved in every checkpoint, so a resumed stage draws exactly the
 * batches the uninterrupted one would have.
 */
final class TrainingLoop {
    static final String DATA_STREAM = "data";
    /** The language-model loss alone, logged beside {@code loss} when other losses join it. */
    static final String LM_LOSS = "lm_loss";
    /** The prefix of each auxiliary loss's per-step metric. */
    static final String AUX_PREFIX = "aux/";

    /** Where each micro-batch's loss values add up over a step, by metric name. */
    private final Map<String, Double> stepParts = new LinkedHashMap<>();
    private final TrainingContext context;
    private final StageSettings settings;
    private final BatchSource batches;
    private final Evaluation evaluation;

    /** The loop of {@code context}'s stage under {@code settings} (a preset's, or the recipe's). */
    TrainingLoop(TrainingContext context, StageSettings settings, BatchSource batches,
            Evaluation evaluation) {
        this.context = context;
        this.settings = settings;
        this.batches = batches;
        this.evaluation = evaluation;
    }

    void run() throws IOException {
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
        List<String> modes = settings.modes(model.config().layers());
        NonFiniteSteps guard = new NonFiniteSteps(context.name(), settings.maxNonFiniteSteps(),
                context.metrics());
        while (step < settings.steps()) {
            context.stepBoundary(step);
            long start = System.nanoTime();
            List<TrainingBatch> micro = new ArrayList<>(settings.accumulate());
            for (int i = 0; i < settings.accumulate(); i++) {
                TrainingBatch batch = batches.next(rows, seqLen, data);
                drawn += batch.examples();
                micro.add(batch);
            }
            stepParts.clear();
            Optional<TrainStep.Result> taken = guard.run(step + 1, () -> trainStep.run(
                    micro.size(), i -> loss(model, micro.get(i), modes)));
            step++;
            if (taken.isEmpty()) {
                // Skipped: nothing to report, and no checkpoint while a bad row is open.
                continue;
            }
            TrainStep.Result result = taken.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            long tokens = micro.stream().mapToLong(b -> b.tokens().size()).sum();
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("loss", result.loss());
            metrics.put("lr", result.lr());
            metrics.put("grad_norm", result.gradNorm());
            metrics.put("tokens_per_s", tokens / seconds);
            stepParts.forEach((name, sum) -> metrics.put(name, sum / micro.size()));
            context.metrics().log(step, metrics);
            if (settings.due(settings.evalEvery(), step)) {
                context.metrics().log(step, evaluation.run(step));
            }
            if (settings.due(settings.checkpointEvery(), step)) {
                context.checkpoints().save(new StagePosition(step, drawn,
                        Map.of(DATA_STREAM, data.state())), optimizer);
            }
        }
    }

    /**
     * The batch's next-token loss over its targets and the attention layers' own losses, each
     * at its weight; a loss at weight 0 is left out, so the language-model loss of an
     * indexer-only stage costs nothing but the forward pass. The value of each part computed
     * is added to {@link #stepParts}.
     */
    private Variable loss(LlamaModel model, TrainingBatch batch, List<String> modes) {
        ModelOutput out = model.forward(batch.tokens(), modes, null);
        Ops ops = out.logits().ops();
        Variable loss = null;
        boolean auxiliary = !out.auxiliaryLosses().isEmpty();
        if (settings.lmLossWeight() > 0) {
            Variable lm = LlamaModel.nextTokenLoss(out.logits(), batch.tokens(),
                    batch.lossMask());
            if (auxiliary) {
                stepParts.merge(LM_LOSS, (double) lm.value().item(), Double::sum);
            }
            loss = weighted(ops, lm, settings.lmLossWeight());
        }
        for (Map.Entry<String, Variable> e : out.auxiliaryLosses().entrySet()) {
            // The forward pass computed it anyway: logged even where it does not train.
            stepParts.merge(AUX_PREFIX + layerFree(e.getKey()),
                    (double) e.getValue().value().item(), Double::sum);
            if (settings.auxLossWeight() > 0) {
                Variable part = weighted(ops, e.getValue(), settings.auxLossWeight());
                loss = loss == null ? part : ops.add(loss, part);
            }
        }
        if (loss == null) {
            throw new IllegalStateException("stage '" + context.name() + "' weighs only the "
                    + "auxiliary losses, but the model has none (its attention adds no loss)");
        }
        return loss;
    }

    private static Variable weighted(Ops ops, Variable loss, double weight) {
        return weight == 1 ? loss : ops.scale(loss, weight);
    }

    /** {@code layer.3.indexer_kl} as {@code indexer_kl}: the metric sums over the layers. */
    static String layerFree(String name) {
        return name.startsWith("layer.") ? name.substring(name.indexOf('.', 6) + 1) : name;
    }
}
