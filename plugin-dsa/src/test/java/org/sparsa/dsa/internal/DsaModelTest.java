package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.model.ModelOutput;
import org.sparsa.core.parameter.ParameterStore;

/**
 * DSA layers inside the model: their losses come out named per layer, and through the whole
 * model the language-model loss and the indexer losses train disjoint sets of parameters.
 */
class DsaModelTest {
    private static final ModelConfig CONFIG = ModelConfig.llama(11, 8, 2, 2, 1, 12)
            .withMaxSequence(16)
            .withAttention(new AttentionChoice("dsa", Map.of("top_k", 3, "index_heads", 2,
                    "index_dim", 4, "rope_dim", 2)));

    private final ParameterStore store = new ParameterStore(new Autograd(new JavaBackend()), 5);
    private final LlamaModel model = new LlamaModel(CONFIG, store,
            Collections.<AttentionPlugin>nCopies(CONFIG.layers(), new DsaPlugin()));
    private final IntTensor tokens = tokens(2, 9);

    @ParameterizedTest
    @ValueSource(strings = {"sparse", "dense"})
    void theLanguageModelAndTheIndexersLearnApart(String mode) {
        ModelOutput out = model.forward(tokens, mode);
        assertEquals(Set.of("layer.0.indexer_kl", "layer.1.indexer_kl"),
                out.auxiliaryLosses().keySet());
        LlamaModel.nextTokenLoss(out.logits(), tokens, null).backward();
        for (String name : store.names()) {
            assertEquals(!isIndexer(name), hasGradient(name), "language-model loss on " + name);
        }

        store.zeroGrad();
        ModelOutput again = model.forward(tokens, mode);
        Variable indexer = null;
        for (Variable loss : again.auxiliaryLosses().values()) {
            indexer = indexer == null ? loss : store.autograd().add(indexer, loss);
        }
        indexer.backward();
        for (String name : store.names()) {
            assertEquals(isIndexer(name), hasGradient(name), "indexer loss on " + name);
        }
    }

    private static boolean isIndexer(String name) {
        return name.contains(".self_attn.indexer.");
    }

    /** Whether the parameter got a gradient with a non-zero entry. */
    private boolean hasGradient(String name) {
        float[] grad = store.get(name).grad().map(Tensor::toArray).orElse(new float[0]);
        return IntStream.range(0, grad.length).anyMatch(i -> grad[i] != 0);
    }

    private static IntTensor tokens(int batch, int time) {
        SplittableRandom random = new SplittableRandom(3);
        int[] ids = new int[batch * time];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(11);
        }
        return IntTensor.of(ids, batch, time);
    }
}
