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
import org.sparsa.core.stage.StagePosition;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWOptions;
import org.sparsa.core.train.TrainStep;

/**
 * The loop a training stage runs: set the stage's frozen parameters, make its optimiser, pick up
 * where a checkpoint left off, then for each step draw the micro-batches, take one
 * {@link TrainStep}, report {@code loss}, {@code lr}, {@code grad_norm} and
 * {@code tokens_per_s}, and evaluate and checkpoint when due. The data stream is the stage's
 * {@code data} random stream, saved in every checkpoint, so a resumed stage draws exactly the
 * batches the uninterrupted one would have.
 */
final class TrainingLoop {
    static final String DATA_STREAM = "data";

    private final TrainingContext context;
    private final BatchSource batches;
    private final Evaluation evaluation;

    TrainingLoop(TrainingContext context, BatchSource batches, Evaluation evaluation) {
        this.context = context;
        this.batches = batches;
        this.evaluation = evaluation;
    }

    void run() throws IOException {
        StageSettings settings = context.settings();
        LlamaModel model = context.model();
        ParameterStore store = model.parameters();
        store.unfreeze("*");
        if (!settings.frozen().isEmpty()) {
            store.freeze(settings.frozen().toArray(String[]::new));
        }
        AdamW optimizer = new AdamW(store, AdamWOptions.of(settings.lr())
                .withWeightDecay(settings.weightDecay()));
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
        while (step < settings.steps()) {
            long start = System.nanoTime();
            List<TrainingBatch> micro = new ArrayList<>(settings.accumulate());
            for (int i = 0; i < settings.accumulate(); i++) {
                TrainingBatch batch = batches.next(rows, seqLen, data);
                drawn += batch.examples();
                micro.add(batch);
            }
            TrainStep.Result result = trainStep.run(micro.size(),
                    i -> loss(model, micro.get(i), modes));
            step++;
            double seconds = (System.nanoTime() - start) / 1e9;
            long tokens = micro.stream().mapToLong(b -> b.tokens().size()).sum();
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("loss", result.loss());
            metrics.put("lr", result.lr());
            metrics.put("grad_norm", result.gradNorm());
            metrics.put("tokens_per_s", tokens / seconds);
            context.metrics().log(step, metrics);
            if (settings.due(settings.evalEvery(), step)) {
                context.metrics().log(step, evaluation.run());
            }
            if (settings.due(settings.checkpointEvery(), step)) {
                context.checkpoints().save(new StagePosition(step, drawn,
                        Map.of(DATA_STREAM, data.state())), optimizer);
            }
        }
    }

    /** The batch's next-token loss over its targets, plus the attention layers' own losses. */
    private static Variable loss(LlamaModel model, TrainingBatch batch, List<String> modes) {
        ModelOutput out = model.forward(batch.tokens(), modes, null);
        Variable loss = LlamaModel.nextTokenLoss(out.logits(), batch.tokens(), batch.lossMask());
        Ops ops = loss.ops();
        for (Variable auxiliary : out.auxiliaryLosses().values()) {
            loss = ops.add(loss, auxiliary);
        }
        return loss;
    }
}
