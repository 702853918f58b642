package org.sparsa.runner.internal.run;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskSource;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.model.MoeConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.tokenizer.ByteTokenizer;
import org.sparsa.core.tokenizer.CharTokenizer;
import org.sparsa.core.tokenizer.Tokenizer;
import org.sparsa.core.tokenizer.Tokenizers;
import org.sparsa.core.tokenizer.VocabularyOrder;
import org.sparsa.runner.internal.plugins.PluginServices;
import org.sparsa.runner.internal.plugins.PluginSource;
import org.sparsa.runner.internal.plugins.UsedPlugins;
import org.sparsa.runner.internal.recipe.ModelSpec;
import org.sparsa.runner.internal.recipe.PluginRef;
import org.sparsa.runner.internal.recipe.Recipe;
import org.sparsa.runner.internal.recipe.RunFolder;

/**
 * Wires one run from its validated recipe: the backend, the parameter store seeded by the
 * recipe, the task and tokenizer, and the model with each layer's attention plugin, all from
 * the plugins the run was given. One injector per run; everything in it is a singleton.
 */
public final class RunModule extends AbstractModule {
    /** The tokenizer's file in the run folder, so that a resumed run reads the same one. */
    static final String TOKENIZER_FILE = "tokenizer.json";
    /** Training examples a character vocabulary is built from, besides the evaluation set. */
    private static final int VOCABULARY_SAMPLE = 2000;

    private final Recipe recipe;
    private final RunFolder folder;
    private final UsedPlugins plugins;

    /**
     * @param plugins where the run's plugins come from; what it records of their use names a
     *     plugin that fails
     */
    public RunModule(Recipe recipe, RunFolder folder, UsedPlugins plugins) {
        this.recipe = recipe;
        this.folder = folder;
        this.plugins = plugins;
    }

    @Override
    protected void configure() {
        bind(Recipe.class).toInstance(recipe);
        bind(RunFolder.class).toInstance(folder);
        bind(PluginSource.class).toInstance(plugins);
        bind(UsedPlugins.class).toInstance(plugins);
    }

    @Provides
    @Singleton
    Backend backend() {
        return Backends.open(recipe.backend());
    }

    @Provides
    @Singleton
    ParameterStore parameters(Backend backend) {
        return new ParameterStore(new Autograd(backend), recipe.seed());
    }

    @Provides
    @Singleton
    Task task() {
        PluginRef task = recipe.task();
        return plugins.get(PluginKind.TASK, task.id(), TaskSource.class)
                .create(PluginConfig.of(task.config(), "task '" + task.id() + "'"));
    }

    /**
     * The byte tokenizer, or a character vocabulary: read from the run folder's
     * {@value #TOKENIZER_FILE} when a resumed run has one, else built from the task's
     * evaluation set and a seeded sample of its training examples.
     */
    @Provides
    @Singleton
    Tokenizer tokenizer(Task task) throws IOException {
        if ("byte".equals(recipe.model().tokenizer())) {
            return ByteTokenizer.instance();
        }
        Path file = folder.path().resolve(TOKENIZER_FILE);
        if (Files.exists(file)) {
            return Tokenizers.load(file);
        }
        List<Example> examples = new ArrayList<>(task.evaluationSet());
        SplitMix64 random = SplitMix64.forPurpose(recipe.seed(), "tokenizer");
        for (int i = 0; i < VOCABULARY_SAMPLE; i++) {
            examples.add(task.sample(random));
        }
        StringBuilder corpus = new StringBuilder(" ");
        for (Example example : examples) {
            corpus.append(example.prompt());
            if (example.reference() != null) {
                corpus.append(example.reference());
            }
        }
        return CharTokenizer.fromCorpus(corpus, VocabularyOrder.SORTED);
    }

    @Provides
    @Singleton
    ModelConfig modelConfig(Tokenizer tokenizer) {
        return modelConfig(recipe.model(), tokenizer);
    }

    /** The model configuration {@code m} describes over {@code tokenizer}'s vocabulary. */
    static ModelConfig modelConfig(ModelSpec m, Tokenizer tokenizer) {
        int vocab = m.vocab() == null ? tokenizer.vocabSize() : m.vocab();
        if (vocab < tokenizer.vocabSize()) {
            throw new IllegalArgumentException("model.vocab " + vocab + " is smaller than the "
                    + m.tokenizer() + " tokenizer's " + tokenizer.vocabSize() + " ids");
        }
        Map<Integer, AttentionChoice> perLayer = new TreeMap<>();
        m.perLayerAttention().forEach((layer, ref) -> perLayer.put(layer, choice(ref)));
        MoeConfig moe = m.moe() == null ? null : new MoeConfig(m.moe().experts(),
                m.moe().topK(), m.moe().sharedExpert(), m.moe().expertHidden(), m.moe().layers());
        return new ModelConfig(vocab, m.dim(), m.layers(), m.heads(), m.kvHeads(), m.headDim(),
                m.ffnHidden(), m.normEps(), m.ropeTheta(), m.tieEmbeddings(), m.maxSeq(),
                choice(m.attention()), perLayer, moe);
    }

    @Provides
    @Singleton
    LlamaModel model(ModelConfig config, ParameterStore store) {
        return model(config, store, plugins);
    }

    /** A model of {@code config} in {@code store}, each layer's attention from {@code plugins}. */
    static LlamaModel model(ModelConfig config, ParameterStore store, PluginSource plugins) {
        List<AttentionPlugin> attention = new ArrayList<>();
        for (int layer = 0; layer < config.layers(); layer++) {
            attention.add(plugins.get(PluginKind.ATTENTION, config.attentionOf(layer).plugin(),
                    AttentionPlugin.class));
        }
        return new LlamaModel(config, store, attention);
    }

    /**
     * Where the run hears of new revisions of the attention plugins its model uses: the OSGi
     * registry when the plugins come from it, nothing otherwise.
     */
    @Provides
    @Singleton
    PluginRevisions revisions(LlamaModel model) {
        if (!(plugins.source() instanceof PluginServices services)) {
            return PluginRevisions.none();
        }
        Set<String> ids = new LinkedHashSet<>();
        for (int layer = 0; layer < model.config().layers(); layer++) {
            ids.add(model.config().attentionOf(layer).plugin());
        }
        return new PluginSwaps(services.bundleContext(), ids);
    }

    private static AttentionChoice choice(PluginRef ref) {
        return new AttentionChoice(ref.id(), ref.config());
    }
}
