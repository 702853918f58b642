package org.sparsa.runner.internal.bench;

import java.util.ArrayList;
import java.util.List;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;

/**
 * The model of the {@code train} and {@code decode} workloads, in the Llama layout the framework
 * trains (RMSNorm, RoPE, SwiGLU, untied head, head width {@code dim / heads}).
 *
 * @param vocab vocabulary size
 * @param dim model width
 * @param layers decoder blocks
 * @param heads query heads
 * @param kvHeads key/value heads
 * @param ffnHidden SwiGLU hidden width
 */
public record BenchModel(int vocab, int dim, int layers, int heads, int kvHeads,
        int ffnHidden) {
    /** The baseline's model: vocabulary 256, dim 256, 4 layers, 4 heads, SwiGLU hidden 768. */
    public static final BenchModel BASELINE = new BenchModel(256, 256, 4, 4, 4, 768);

    public BenchModel {
        // Checks every size, naming the one that does not fit.
        ModelConfig.llama(vocab, dim, layers, heads, kvHeads, ffnHidden);
    }

    /**
     * A fresh model whose every layer has the attention {@code plugin} (configured from the
     * context), initial values from the context's seed, room for {@code maxSequence} positions.
     */
    public LlamaModel build(BenchContext context, String plugin, int maxSequence) {
        ModelConfig config = ModelConfig.llama(vocab, dim, layers, heads, kvHeads, ffnHidden)
                .withMaxSequence(Math.max(maxSequence, ModelConfig.MAX_SEQUENCE))
                .withAttention(new AttentionChoice(plugin,
                        context.configOf(plugin).asMap()));
        List<AttentionPlugin> attention = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            attention.add(context.attention(config.attentionOf(layer).plugin()));
        }
        ParameterStore store = new ParameterStore(new Autograd(context.backend()),
                context.seed());
        return new LlamaModel(config, store, attention);
    }
}
