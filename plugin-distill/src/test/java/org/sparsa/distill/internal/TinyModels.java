package org.sparsa.distill.internal;

import java.util.Collections;
import java.util.Map;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.tokenizer.CharTokenizer;
import org.sparsa.core.tokenizer.Tokenizer;
import org.sparsa.core.tokenizer.VocabularyOrder;
import org.sparsa.dsa.internal.DsaPlugin;

/** Tiny models over a character vocabulary of a few letters, for the distillation tests. */
final class TinyModels {
    /** Letters, '>' and space: with the special ids a vocabulary of about ten. */
    static final Tokenizer TOKENIZER = CharTokenizer.fromCorpus(" >abcd",
            VocabularyOrder.SORTED);

    private TinyModels() {
    }

    /** A dense model of width {@code dim}, its weights drawn from {@code seed}. */
    static LlamaModel dense(int dim, long seed) {
        ModelConfig config = ModelConfig.llama(TOKENIZER.vocabSize(), dim, 2, 2, 2, 2 * dim)
                .withMaxSequence(32);
        return new LlamaModel(config, store(seed), Collections.<AttentionPlugin>nCopies(
                config.layers(), new FullAttentionPlugin()));
    }

    /** A DSA model of width {@code dim} (top 3 keys per query), from {@code seed}. */
    static LlamaModel dsa(int dim, long seed) {
        ModelConfig config = ModelConfig.llama(TOKENIZER.vocabSize(), dim, 2, 2, 2, 2 * dim)
                .withMaxSequence(32)
                .withAttention(new AttentionChoice("dsa", Map.of("top_k", 3,
                        "index_heads", 2, "index_dim", 8, "rope_dim", 4)));
        return new LlamaModel(config, store(seed), Collections.<AttentionPlugin>nCopies(
                config.layers(), new DsaPlugin()));
    }

    static ParameterStore store(long seed) {
        return new ParameterStore(new Autograd(new JavaBackend()), seed);
    }
}
