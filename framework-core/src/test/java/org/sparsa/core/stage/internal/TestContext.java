package org.sparsa.core.stage.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.stage.MetricsSink;
import org.sparsa.api.task.Task;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.stage.StageCheckpoints;
import org.sparsa.core.stage.StagePosition;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.tokenizer.ByteTokenizer;
import org.sparsa.core.tokenizer.Tokenizer;
import org.sparsa.core.train.AdamW;

/**
 * A training context over a tiny byte-level model on the Java backend, recording every metric
 * line and keeping checkpoints out of the file system. Its run folder, where evaluations write
 * their samples, is a fresh temporary folder.
 */
final class TestContext implements TrainingContext {
    final List<Map<String, Double>> lines = Collections.synchronizedList(new ArrayList<>());
    final List<Long> steps = new ArrayList<>();
    final List<StagePosition> saved = new ArrayList<>();
    /** Each step boundary the loop reported, with the metric lines logged before it. */
    final List<String> boundaries = new ArrayList<>();
    /** The optimiser's step count at each save, beside {@link #saved}. */
    final List<Long> savedOptimizerSteps = new ArrayList<>();
    /** Each event recorded: its step, name and details. */
    final List<Map<String, Object>> events = new ArrayList<>();
    private final LlamaModel model;
    private final Task task;
    private final StageSettings settings;
    private final Path runFolder;

    TestContext(Task task, StageSettings settings) {
        this(task, settings, new FullAttentionPlugin());
    }

    /** A context whose model's attention is {@code attention}. */
    TestContext(Task task, StageSettings settings, AttentionPlugin attention) {
        try {
            this.runFolder = java.nio.file.Files.createTempDirectory("stage-test");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        this.task = task;
        this.settings = settings;
        Tokenizer tokenizer = ByteTokenizer.instance();
        ModelConfig config = ModelConfig.llama(tokenizer.vocabSize(), 16, 1, 2, 2, 32)
                .withMaxSequence(64);
        this.model = new LlamaModel(config, new ParameterStore(new Autograd(new JavaBackend()),
                7), List.of(attention));
    }

    /** Settings with the given steps, batch and frozen globs, the rest small defaults. */
    static StageSettings settings(long steps, int batch, List<String> frozen) {
        return new StageSettings(steps, batch, 32, 1e-2, "constant", 0, 0, 0, 1.0, 1, frozen,
                StageSettings.DEFAULT_MODE, 0, 0);
    }

    @Override
    public String name() {
        return "test";
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
        return model.parameters().view("");
    }

    @Override
    public MetricsSink metrics() {
        return new MetricsSink() {
            @Override
            public void log(long step, Map<String, Double> metrics) {
                steps.add(step);
                lines.add(new LinkedHashMap<>(metrics));
            }

            @Override
            public void event(long step, String event, Map<String, Object> details) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("event", event);
                line.put("step", step);
                line.putAll(details);
                events.add(line);
            }
        };
    }

    @Override
    public void stepBoundary(long step) {
        boundaries.add(step + " after " + lines.size() + " lines");
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
                saved.add(position);
                savedOptimizerSteps.add(optimizer.steps());
            }
        };
    }
}
