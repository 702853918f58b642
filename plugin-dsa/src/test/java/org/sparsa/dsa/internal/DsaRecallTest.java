package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;

/**
 * The indexer's recall of the dense attention mass, measured through the model: all of it when
 * the selection holds every key, a fraction when it cannot.
 */
class DsaRecallTest {
    private static final int TIME = 12;

    @ParameterizedTest
    @ValueSource(ints = {TIME, TIME + 5})
    void aSelectionOfEveryKeyRecallsEverything(int topK) {
        Map<String, Double> recall = recall(topK);
        assertEquals(2, recall.size());
        recall.values().forEach(r -> assertEquals(1.0, r, 1e-5, recall.toString()));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, TIME - 1})
    void aSmallerSelectionRecallsAFraction(int topK) {
        Map<String, Double> recall = recall(topK);
        recall.values().forEach(r -> assertTrue(r > 0 && r < 1, recall.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sparse", "dense"})
    void aLargerSelectionRecallsMore(String mode) {
        double small = mean(recall(2, mode));
        double large = mean(recall(6, mode));
        assertTrue(small < large, small + " vs " + large);
    }

    private static Map<String, Double> recall(int topK) {
        return recall(topK, "sparse");
    }

    /** The per-layer recall of a two-layer model whose DSA layers select {@code topK} keys. */
    private static Map<String, Double> recall(int topK, String mode) {
        ModelConfig config = ModelConfig.llama(11, 8, 2, 2, 1, 12).withMaxSequence(16)
                .withAttention(new AttentionChoice("dsa", Map.of("top_k", topK,
                        "index_heads", 2, "index_dim", 4, "rope_dim", 2)));
        LlamaModel model = new LlamaModel(config,
                new ParameterStore(new Autograd(new JavaBackend()), 5),
                Collections.<AttentionPlugin>nCopies(config.layers(), new DsaPlugin()));
        SplittableRandom random = new SplittableRandom(3);
        int[] ids = new int[2 * TIME];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(11);
        }
        return model.diagnostics(IntTensor.of(ids, 2, TIME),
                Collections.nCopies(config.layers(), mode));
    }

    private static double mean(Map<String, Double> values) {
        return values.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
