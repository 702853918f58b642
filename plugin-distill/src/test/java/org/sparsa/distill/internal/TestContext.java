package org.sparsa.distill.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.stage.MetricsSink;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.stage.StageCheckpoints;
import org.sparsa.core.stage.StagePosition;
import org.sparsa.core.stage.StageResources;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainedModel;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.tokenizer.Tokenizer;
import org.sparsa.core.train.AdamW;

/**
 * A training context over a given student, offering the given teachers as earlier stages and
 * the given rewards by id; records every metric line and saves no checkpoint.
 */
final class TestContext implements TrainingContext, StageResources {
    final List<Map<String, Double>> lines = new ArrayList<>();
    /** The step boundaries the stage reported, in order. */
    final List<Long> boundaries = new ArrayList<>();
    private final LlamaModel student;
    private final StageSettings settings;
    private final Path runFolder;
    private final Map<String, TrainedModel> teachers = new LinkedHashMap<>();
    private final Map<String, RewardFunction> rewards = new LinkedHashMap<>();

    TestContext(LlamaModel student, StageSettings settings, Path runFolder) {
        this.student = student;
        this.settings = settings;
        this.runFolder = runFolder;
    }

    TestContext teacher(String stage, LlamaModel model, Task task) {
        teachers.put(stage, new TrainedModel(stage, model, task, "reverse"));
        return this;
    }

    TestContext reward(String id, RewardFunction reward) {
        rewards.put(id, reward);
        return this;
    }

    /** Constant-rate settings of {@code steps} steps of 8 rows of up to 16 tokens. */
    static StageSettings settings(long steps, double lr) {
        return new StageSettings(steps, 8, 16, lr, "constant", 0, 0, 0, 1.0, 1, List.of(),
                StageSettings.DEFAULT_MODE, 0, 0);
    }

    /** The metric {@code key} of every line that has it, in order. */
    List<Double> series(String key) {
        return lines.stream().filter(l -> l.containsKey(key)).map(l -> l.get(key)).toList();
    }

    @Override
    public String name() {
        return "generalist";
    }

    @Override
    public Path runFolder() {
        return runFolder;
    }

    @Override
    public long seed() {
        return 11;
    }

    @Override
    public Parameters parameters() {
        return student.parameters().view("");
    }

    @Override
    public void stepBoundary(long step) {
        boundaries.add(step);
    }

    @Override
    public MetricsSink metrics() {
        return (step, metrics) -> lines.add(new LinkedHashMap<>(metrics));
    }

    @Override
    public LlamaModel model() {
        return student;
    }

    @Override
    public Tokenizer tokenizer() {
        return TinyModels.TOKENIZER;
    }

    @Override
    public Task task() {
        return new ReverseTask("abcd");
    }

    @Override
    public StageSettings settings() {
        return settings;
    }

    @Override
    public StageCheckpoints checkpoints() {
        return new StageCheckpoints() {
            @Override
            public Optional<StagePosition> restore(AdamW optimizer) {
                return Optional.empty();
            }

            @Override
            public void save(StagePosition position, AdamW optimizer) {
                // The run saves checkpoints; these tests look at metrics and data only.
            }
        };
    }

    @Override
    public StageResources resources() {
        return this;
    }

    @Override
    public TrainedModel stageModel(String stage) {
        TrainedModel model = teachers.get(stage);
        if (model == null) {
            throw new IllegalArgumentException("no earlier stage '" + stage + "'");
        }
        return model;
    }

    @Override
    public TrainedModel runModel(Path folder, String stage) {
        throw new IllegalArgumentException("no run folder " + folder);
    }

    @Override
    public Task task(String id, Map<String, Object> config) {
        return new ReverseTask(String.valueOf(config.getOrDefault("letters", "abcd")));
    }

    @Override
    public RewardFunction reward(String id, Map<String, Object> config) {
        RewardFunction reward = rewards.get(id);
        if (reward == null) {
            throw new IllegalArgumentException("no reward '" + id + "'");
        }
        return reward;
    }
}
