package org.sparsa.grpo.internal.rl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.sparsa.api.policy.PolicyLoss;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageContext;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.stage.StagePosition;
import org.sparsa.core.stage.NonFiniteSteps;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.stage.TrainingStages;
import org.sparsa.core.train.AdamW;
import org.sparsa.core.train.AdamWOptions;
import org.sparsa.core.train.LearningRateSchedule;
import org.sparsa.core.train.TrainStep;

/**
 * The {@code rl} stage. Each of its {@code steps} steps samples {@code batch / group_size}
 * prompts from the task, generates a group of G completions of each ({@link RolloutSampler}),
 * drops the groups whose rewards are all equal and samples more when dynamic sampling is on,
 * then splits the groups evenly into {@code minibatches} (as many as there are groups, when
 * dynamic sampling leaves fewer) and takes one optimiser step on each
 * ({@link PolicyUpdate}): the first on-policy, the later ones off-policy, which is what the
 * objective's ratios, clipping and off-policy mask are for.
 *
 * <p>Per step it reports {@code reward/mean}, {@code reward/std}, each reward model's mean as
 * {@code reward/{name}}, {@code accuracy} (the task's exact match of the rollouts, when it has
 * one), {@code zero_std_fraction} (of the groups sampled), {@code groups} (trained on),
 * {@code completion_length/mean} and {@code /max}, {@code truncated_fraction},
 * {@code samples_per_s} and {@code tokens_per_s} (completions and their tokens generated per
 * second of the step), and, averaged
 * over the minibatches, {@code loss}, {@code lr}, {@code grad_norm}, the objective's metrics
 * ({@code clip_fraction}, {@code is_ratio_mean}, {@code kl}, {@code masked_fraction},
 * {@code offpolicy_kl}) and {@code entropy}, {@code kept_mass}, {@code routing_agreement}.
 * Evaluations ({@code eval/exact_match}, …) come when due, as in the built-in stages.
 *
 * <p>Random streams: {@code data} draws the prompts, {@code sample} the tokens; both are saved
 * in every checkpoint with the KL reference, so a resumed stage continues bit for bit.
 */
final class RlStage implements Stage {
    static final String DATA_STREAM = "data";
    static final String SAMPLE_STREAM = "sample";

    private final RlConfig config;
    private final PluginRegistry plugins;
    private Consumer<List<PolicyUpdate.Outcome>> observer = outcomes -> { };

    RlStage(RlConfig config, PluginRegistry plugins) {
        this.config = config;
        this.plugins = plugins;
    }

    /** Hands every step's minibatch outcomes to {@code observer} (tests look inside them). */
    RlStage observing(Consumer<List<PolicyUpdate.Outcome>> observer) {
        this.observer = observer;
        return this;
    }

    @Override
    public void run(StageContext stageContext) throws IOException {
        TrainingContext context = TrainingContext.of(stageContext);
        StageSettings settings = context.settings();
        if (settings.batch() % config.groupSize() != 0) {
            throw new IllegalArgumentException("stage '" + context.name() + "': batch "
                    + settings.batch() + " is not a multiple of group_size "
                    + config.groupSize() + " (batch counts completions)");
        }
        int prompts = settings.batch() / config.groupSize();
        if (prompts % config.minibatches() != 0) {
            throw new IllegalArgumentException("stage '" + context.name() + "': the "
                    + prompts + " prompt groups of a step (batch / group_size) do not split "
                    + "evenly into minibatches " + config.minibatches());
        }
        PolicyLoss loss = plugins.objective(config.policyId()).create(config.policyConfig());
        WeightedRewards rewards = new WeightedRewards(config.rewards(),
                new StageRewardContext(plugins, context));
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
        List<String> modes = settings.modes(model.config().layers());
        RolloutSampler sampler = new RolloutSampler(model, context.tokenizer(), context.task(),
                rewards, config, modes);
        PolicyUpdate update = new PolicyUpdate(new PolicyLogProbs(model, config, modes), loss);
        ReferencePolicy reference = new ReferencePolicy(store);
        Path referenceFile = context.runFolder().resolve(context.name() + ".reference.bin");

        SplitMix64 data = SplitMix64.forPurpose(context.seed(), DATA_STREAM);
        SplitMix64 sample = SplitMix64.forPurpose(context.seed(), SAMPLE_STREAM);
        long step = 0;
        long drawn = 0;
        Optional<StagePosition> resumed = context.checkpoints().restore(optimizer);
        if (resumed.isPresent()) {
            step = resumed.get().step();
            drawn = resumed.get().dataPosition();
            data = SplitMix64.ofState(state(resumed.get(), DATA_STREAM, context));
            sample = SplitMix64.ofState(state(resumed.get(), SAMPLE_STREAM, context));
            if (!Files.exists(referenceFile)) {
                throw new IOException("stage '" + context.name() + "': resuming at step " + step
                        + " needs the KL reference " + referenceFile + ", which is missing");
            }
            reference.load(referenceFile);
        }
        // One schedule step per rollout: the minibatch updates of a step share its rate,
        // however many of them it takes.
        LearningRateSchedule rates = settings.learningRates();
        long[] rolloutStep = {step};
        TrainStep trainStep = new TrainStep(optimizer, s -> rates.at(rolloutStep[0]),
                settings.gradClip() > 0 ? settings.gradClip() : Double.POSITIVE_INFINITY);
        // A minibatch update with a non-finite loss or gradients is skipped, as in the
        // built-in stages; max_nonfinite_steps of them in a row stop the stage.
        NonFiniteSteps guard = new NonFiniteSteps(context.name(), settings.maxNonFiniteSteps(),
                context.metrics());
        while (step < settings.steps()) {
            // A plugin swapped during the run takes over here, between two rollouts.
            context.stepBoundary(step);
            if (config.referenceRefresh() > 0 && step > 0
                    && step % config.referenceRefresh() == 0) {
                reference.refresh();
            }
            long start = System.nanoTime();
            Map<String, Double> metrics = new LinkedHashMap<>();
            List<Rollout> groups = new ArrayList<>();
            List<Rollout> sampled = new ArrayList<>();
            int extra = 0;
            while (groups.size() < prompts) {
                boolean refill = sampled.size() >= prompts;
                if (refill && (!config.dynamicSampling() || extra >= config.maxResample())) {
                    break;
                }
                extra += refill ? 1 : 0;
                Rollout rollout = sampler.sample(context.task().sample(data), sample);
                drawn++;
                sampled.add(rollout);
                if (!config.dynamicSampling() || !rollout.zeroStd()) {
                    groups.add(rollout);
                }
            }
            rolloutMetrics(sampled, metrics);
            metrics.put("groups", (double) groups.size());
            // Dynamic sampling may end short: fewer groups than minibatches make as many
            // updates as there are groups, and groups that do not split evenly are left out.
            int minibatches = Math.min(config.minibatches(), groups.size());
            int perMinibatch = minibatches == 0 ? 0 : groups.size() / minibatches;
            rolloutStep[0] = step;
            List<PolicyUpdate.Outcome> outcomes = new ArrayList<>();
            if (perMinibatch > 0) {
                List<float[]> references = new ArrayList<>();
                PolicyLogProbs passes = new PolicyLogProbs(model, config, modes);
                for (Rollout group : groups) {
                    references.add(reference.evaluate(() -> passes.of(group).logProbs().value()
                            .toArray()));
                }
                Map<String, Double> sums = new LinkedHashMap<>();
                int updates = 0;
                for (int m = 0; m < minibatches; m++) {
                    List<Rollout> part = groups.subList(m * perMinibatch, (m + 1) * perMinibatch);
                    List<float[]> refs = references.subList(m * perMinibatch,
                            (m + 1) * perMinibatch);
                    PolicyUpdate.Outcome[] outcome = new PolicyUpdate.Outcome[1];
                    Optional<TrainStep.Result> taken = guard.run(step + 1,
                            () -> trainStep.run(1, i -> {
                                outcome[0] = update.run(part, refs);
                                return outcome[0].loss();
                            }));
                    if (taken.isEmpty()) {
                        continue;
                    }
                    updates++;
                    outcomes.add(outcome[0]);
                    sums.merge("loss", taken.get().loss(), Double::sum);
                    sums.merge("lr", taken.get().lr(), Double::sum);
                    sums.merge("grad_norm", taken.get().gradNorm(), Double::sum);
                    outcome[0].metrics().forEach((k, v) -> sums.merge(k, v, Double::sum));
                }
                int averaged = updates;
                sums.forEach((k, v) -> metrics.put(k, v / averaged));
            }
            // A step whose groups all lacked signal takes no update, but still has a rate.
            metrics.putIfAbsent("lr", rates.at(step));
            step++;
            double seconds = (System.nanoTime() - start) / 1e9;
            metrics.put("samples_per_s", sampled.size() * config.groupSize() / seconds);
            long generated = 0;
            for (Rollout rollout : sampled) {
                for (int length : rollout.lengths()) {
                    generated += length;
                }
            }
            metrics.put("tokens_per_s", generated / seconds);
            observer.accept(outcomes);
            context.metrics().log(step, metrics);
            if (settings.due(settings.evalEvery(), step)) {
                context.metrics().log(step, TrainingStages.evaluate(context, settings,
                        config.evalExamples(), config.evalMaxNewTokens(), step));
            }
            if (settings.due(settings.checkpointEvery(), step)) {
                Files.createDirectories(referenceFile.getParent());
                reference.save(referenceFile);
                context.checkpoints().save(new StagePosition(step, drawn, Map.of(DATA_STREAM,
                        data.state(), SAMPLE_STREAM, sample.state())), optimizer);
            }
        }
    }

    /** The rollouts' rewards, accuracy, zero-std share and completion lengths. */
    private static void rolloutMetrics(List<Rollout> sampled, Map<String, Double> metrics) {
        double sum = 0;
        double squares = 0;
        double count = 0;
        double lengthSum = 0;
        double lengthMax = 0;
        double truncated = 0;
        double zeroStd = 0;
        double correct = 0;
        double scored = 0;
        Map<String, double[]> parts = new LinkedHashMap<>();
        for (Rollout rollout : sampled) {
            zeroStd += rollout.zeroStd() ? 1 : 0;
            for (int g = 0; g < rollout.size(); g++) {
                double r = rollout.rewards()[g];
                sum += r;
                squares += r * r;
                count++;
                lengthSum += rollout.lengths()[g];
                lengthMax = Math.max(lengthMax, rollout.lengths()[g]);
                truncated += rollout.truncated()[g] ? 1 : 0;
                rollout.scores().get(g).parts().forEach((name, value) -> {
                    double[] t = parts.computeIfAbsent(name, n -> new double[2]);
                    t[0] += value;
                    t[1]++;
                });
            }
            for (double c : rollout.correct()) {
                correct += c;
                scored++;
            }
        }
        double mean = sum / count;
        metrics.put("reward/mean", mean);
        metrics.put("reward/std", Math.sqrt(Math.max(0, squares / count - mean * mean)));
        parts.forEach((name, t) -> metrics.put("reward/" + name, t[0] / t[1]));
        if (scored > 0) {
            metrics.put("accuracy", correct / scored);
        }
        metrics.put("zero_std_fraction", zeroStd / sampled.size());
        metrics.put("completion_length/mean", lengthSum / count);
        metrics.put("completion_length/max", lengthMax);
        metrics.put("truncated_fraction", truncated / count);
    }

    private static long state(StagePosition position, String stream, TrainingContext context)
            throws IOException {
        Long state = position.rngStates().get(stream);
        if (state == null) {
            throw new IOException("stage '" + context.name() + "': the checkpoint holds no "
                    + "state of the '" + stream + "' stream to resume from");
        }
        return state;
    }
}
