package org.sparsa.dsa.internal;

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
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.AttentionChoice;
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
 * A training context over a tiny byte-level model with DSA in both layers (top_k 3 of 16-token
 * rows, so the selection matters), recording every metric line and saving no checkpoint; its
 * run folder is the test's.
 */
final class DsaTrainingContext implements TrainingContext {
    final List<Map<String, Double>> lines = new ArrayList<>();
    private final LlamaModel model;
    private final StageSettings settings;
    private final Path runFolder;

    DsaTrainingContext(Path runFolder, StageSettings settings) {
        this.runFolder = runFolder;
        this.settings = settings;
        Tokenizer tokenizer = ByteTokenizer.instance();
        ModelConfig config = ModelConfig.llama(tokenizer.vocabSize(), 16, 2, 2, 2, 32)
                .withMaxSequence(32)
                .withAttention(new AttentionChoice("dsa", Map.of("top_k", 3,
                        "index_heads", 2, "index_dim", 8, "rope_dim", 4)));
        this.model = new LlamaModel(config, new ParameterStore(new Autograd(new JavaBackend()),
                7), Collections.<AttentionPlugin>nCopies(config.layers(), new DsaPlugin()));
    }

    /** Constant-rate settings of {@code steps} steps over rows of 16 tokens, in {@code mode}. */
    static StageSettings settings(long steps, double lr, String mode) {
        return new StageSettings(steps, 4, 16, lr, "constant", 0, 0, 0, 1.0, 1, List.of(),
                mode, 0, 0);
    }

    /** The metric {@code key} of every line that has it, in order. */
    List<Double> series(String key) {
        return lines.stream().filter(l -> l.containsKey(key)).map(l -> l.get(key)).toList();
    }

    @Override
    public String name() {
        return "dsa-test";
    }

    @Override
    public Path runFolder() {
        return runFolder;
    }

    @Override
    public long seed() {
        return 13;
    }

    @Override
    public Parameters parameters() {
        return model.parameters().view("");
    }

    @Override
    public MetricsSink metrics() {
        return (step, metrics) -> lines.add(new LinkedHashMap<>(metrics));
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
        return new LetterTask();
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
                // Checkpoints are the run's business; these tests look at parameters only.
            }
        };
    }
}
