package org.sparsa.grpo.internal.rl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.stage.MetricsSink;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.model.MoeConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.stage.StageCheckpoints;
import org.sparsa.core.stage.StagePosition;
import org.sparsa.core.stage.StageResources;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainedModel;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.tokenizer.ByteTokenizer;
import org.sparsa.core.tokenizer.Tokenizer;
import org.sparsa.grpo.internal.DapoObjective;
import org.sparsa.grpo.internal.GrpoObjective;
import org.sparsa.grpo.internal.V32Objective;

/**
 * A training context over a tiny byte-level model (dense, or MoE with 4 experts, top 2, in
 * both layers), a three-prompt task and the {@code ascii} test reward (or over a given model
 * and task), recording every metric line; earlier stages' models can be offered to it;
 * checkpoints (weights, optimiser state, position) are kept in memory, and a crash can be
 * staged by the metrics sink, so that a resumed stage can be tested.
 */
final class RlTestContext implements TrainingContext {
    final List<Map<String, Double>> lines = new ArrayList<>();
    /** Each event the stage recorded, as {@code name@step}. */
    final List<String> events = new ArrayList<>();
    private final LlamaModel model;
    private final StageSettings settings;
    private final Path runFolder;
    private final Task task;
    private final Map<String, TrainedModel> earlierStages = new LinkedHashMap<>();
    StagePosition saved;
    /** The weights and optimiser state of the last checkpoint, when kept for a resume. */
    private Map<String, float[]> savedWeights;
    private org.sparsa.core.train.AdamWState savedOptimizer;
    /** Whether the next run resumes from the last checkpoint. */
    boolean resume;
    /** The step whose metrics make the sink throw, standing for a crash; 0 for none. */
    long crashAt;

    RlTestContext(StageSettings settings, boolean moe, Path runFolder) {
        this(settings, model(moe, 16, 32, 11), new PromptTask(), runFolder);
    }

    /** A context over {@code model} and {@code task}. */
    RlTestContext(StageSettings settings, LlamaModel model, Task task, Path runFolder) {
        this.settings = settings;
        this.runFolder = runFolder;
        this.model = model;
        this.task = task;
    }

    /**
     * A tiny byte-level model of width {@code dim} (dense, or MoE with 4 experts, top 2, in
     * both layers), its weights drawn from {@code seed}.
     */
    static LlamaModel model(boolean moe, int dim, int maxSequence, long seed) {
        Tokenizer tokenizer = ByteTokenizer.instance();
        ModelConfig config = ModelConfig.llama(tokenizer.vocabSize(), dim, 2, 2, 2, 2 * dim)
                .withMaxSequence(maxSequence);
        if (moe) {
            config = config.withMoe(MoeConfig.everyLayer(4, 2, false, 16));
        }
        return new LlamaModel(config, new ParameterStore(new Autograd(new JavaBackend()),
                seed), Collections.<AttentionPlugin>nCopies(config.layers(),
                new FullAttentionPlugin()));
    }

    /** Offers {@code model} as the model the earlier stage {@code stage} of the run trained. */
    RlTestContext earlierStage(String stage, LlamaModel model) {
        earlierStages.put(stage, new TrainedModel(stage, model, task, "prompts"));
        return this;
    }

    /** Constant-rate settings: {@code steps} steps of {@code batch} completions. */
    static StageSettings settings(long steps, int batch, double lr) {
        return settings(steps, batch, lr, 0);
    }

    /** Those settings with a checkpoint every {@code checkpointEvery} steps (0: at the end). */
    static StageSettings settings(long steps, int batch, double lr, long checkpointEvery) {
        return new StageSettings(steps, batch, 16, lr, "constant", 0, 0, 0, 1.0, 1, List.of(),
                StageSettings.DEFAULT_MODE, 1000, checkpointEvery);
    }

    /** The stage kind with the GRPO objectives and the {@code ascii} reward registered. */
    static RlStageKind kind() {
        RlStageKind kind = new RlStageKind();
        kind.addObjective(new GrpoObjective(), Map.of(PluginProperties.ID, "grpo"));
        kind.addObjective(new DapoObjective(), Map.of(PluginProperties.ID, "dapo"));
        kind.addObjective(new V32Objective(), Map.of(PluginProperties.ID, "v32"));
        kind.addReward(new AsciiReward(), Map.of(PluginProperties.ID, "ascii"));
        return kind;
    }

    /** The metric {@code key} of every line that has it, in order. */
    List<Double> series(String key) {
        return lines.stream().filter(l -> l.containsKey(key)).map(l -> l.get(key)).toList();
    }

    @Override
    public String name() {
        return "rl-test";
    }

    @Override
    public Path runFolder() {
        return runFolder;
    }

    @Override
    public long seed() {
        return 5;
    }

    @Override
    public Parameters parameters() {
        return model.parameters().view("");
    }

    @Override
    public MetricsSink metrics() {
        return new MetricsSink() {
            @Override
            public void log(long step, Map<String, Double> metrics) {
                if (step == crashAt) {
                    throw new IllegalStateException("crash at step " + step);
                }
                lines.add(new LinkedHashMap<>(metrics));
            }

            @Override
            public void event(long step, String event, Map<String, Object> details) {
                events.add(event + "@" + step);
            }
        };
    }

    @Override
    public LlamaModel model() {
        return model;
    }

    @Override
    public Tokenizer tokenizer() {
        return ByteTokenizer.instance();
    }

    @Override
    public Task task() {
        return task;
    }

    /**
     * The earlier stages' models given to {@link #earlierStage}; no other run folder, task or
     * reward, which the rl stage never asks for.
     */
    @Override
    public StageResources resources() {
        return new StageResources() {
            @Override
            public TrainedModel stageModel(String stage) {
                TrainedModel trained = earlierStages.get(stage);
                if (trained == null) {
                    throw new IllegalArgumentException("no stage named '" + stage + "' runs "
                            + "before stage '" + name() + "'; earlier stages: "
                            + String.join(", ", earlierStages.keySet()));
                }
                return trained;
            }

            @Override
            public TrainedModel runModel(Path folder, String stage) {
                throw new IllegalArgumentException("teacher '" + stage + "': the run in "
                        + folder + " has no stage of that name");
            }

            @Override
            public Task task(String id, Map<String, Object> config) {
                throw new UnsupportedOperationException("no task plugins in this test");
            }

            @Override
            public RewardFunction reward(String id, Map<String, Object> config) {
                throw new UnsupportedOperationException("no reward plugins in this test");
            }
        };
    }

    @Override
    public StageSettings settings() {
        return settings;
    }

    @Override
    public StageCheckpoints checkpoints() {
        return new StageCheckpoints() {
            @Override
            public Optional<StagePosition> restore(org.sparsa.core.train.AdamW optimizer) {
                if (!resume || saved == null) {
                    return Optional.empty();
                }
                ParameterStore store = model.parameters();
                savedWeights.forEach((name, values) -> store.replace(name, store.autograd()
                        .constant(values, store.get(name).shape()).value()));
                optimizer.restore(savedOptimizer);
                return Optional.of(saved);
            }

            @Override
            public void save(StagePosition position, org.sparsa.core.train.AdamW optimizer) {
                saved = position;
                savedWeights = new LinkedHashMap<>();
                for (String name : model.parameters().names()) {
                    savedWeights.put(name, model.parameters().get(name).value().toArray());
                }
                savedOptimizer = optimizer.state();
            }
        };
    }

    /**
     * Three prompts; the one starting with {@code z} is the one the {@code ascii} reward gives
     * a constant, so its groups carry no signal.
     */
    static final class PromptTask implements Task {
        private static final List<Example> EXAMPLES = List.of(
                new Example("ab", "c", List.of()), new Example("de", "f", List.of()),
                new Example("zz", "z", List.of()));

        @Override
        public Example sample(RandomGenerator random) {
            return EXAMPLES.get(random.nextInt(EXAMPLES.size()));
        }

        @Override
        public List<Example> evaluationSet() {
            return EXAMPLES;
        }
    }

    /**
     * {@code ascii}: the share of the completion's characters below 128 (an untrained byte
     * model draws about half of its bytes there), reported with the component {@code chars};
     * a constant 0.5 for prompts starting with {@code z}.
     */
    static final class AsciiReward implements RewardModel {
        @Override
        public org.sparsa.api.reward.RewardFunction create(PluginConfig config,
                org.sparsa.api.reward.RewardContext context) {
            config.requireOnly(List.of());
            return completion -> {
                String text = completion.text();
                if (completion.prompt().startsWith("z")) {
                    return new RewardResult(0.5, Map.of("chars", (double) text.length()));
                }
                long ascii = text.chars().filter(c -> c < 128).count();
                return new RewardResult(text.isEmpty() ? 0 : (double) ascii / text.length(),
                        Map.of("chars", (double) text.length()));
            };
        }
    }
}
