package org.sparsa.runner.internal.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;

class AttentionSwapTest {
    /** Layers 0 and 2 use {@code gated}, layer 1 full attention; head dimension 4. */
    private static final ModelConfig CONFIG = ModelConfig.llama(13, 8, 3, 2, 2, 16)
            .withMaxSequence(16)
            .withAttention(new AttentionChoice(GatedAttention.ID, Map.of()))
            .withLayerAttention(1, AttentionChoice.full());

    private static LlamaModel model(AttentionPlugin gated) {
        List<AttentionPlugin> plugins = new ArrayList<>();
        for (int layer = 0; layer < CONFIG.layers(); layer++) {
            plugins.add(layer == 1 ? new FullAttentionPlugin() : gated);
        }
        return new LlamaModel(CONFIG, new ParameterStore(new Autograd(new JavaBackend()), 3),
                plugins);
    }

    private static float[] logits(LlamaModel model) {
        return model.forward(IntTensor.of(new int[] {1, 5, 2, 9, 4, 7}, 1, 6)).logits().value()
                .toArray();
    }

    @Test
    void aCompatibleRevisionTakesOverItsLayersOverTheSameParameters() throws SwapRefused {
        LlamaModel model = model(new GatedAttention(4, 1, false));
        Variable gate0 = model.parameters().get("model.layers.0.self_attn.gate.weight");
        List<String> names = List.copyOf(model.parameters().names());
        AttentionLayer full = model.attention(1);
        float[] before = logits(model);

        GatedAttention doubling = new GatedAttention(4, 2, false);
        Map<Integer, AttentionLayer> replaced = AttentionSwap.apply(model, GatedAttention.ID,
                doubling);
        assertEquals(List.of(0, 2), List.copyOf(replaced.keySet()));
        assertEquals(2, doubling.made);
        assertSame(full, model.attention(1), "layers of other plugins stay");
        assertSame(gate0, model.parameters().get("model.layers.0.self_attn.gate.weight"));
        assertEquals(names, List.copyOf(model.parameters().names()));
        assertFalse(java.util.Arrays.equals(before, logits(model)), "the new revision computes");

        // Back to an equivalent of the first revision: the very same outputs again.
        AttentionSwap.apply(model, GatedAttention.ID, new GatedAttention(4, 1, false));
        assertArrayEquals(before, logits(model));
    }

    @Test
    void aRevisionWithOtherParametersIsRefusedAndNothingChanges() {
        LlamaModel model = model(new GatedAttention(4, 1, false));
        List<AttentionLayer> layers = List.of(model.attention(0), model.attention(1),
                model.attention(2));
        float[] before = logits(model);
        SwapRefused refused = assertThrows(SwapRefused.class, () -> AttentionSwap.apply(model,
                GatedAttention.ID, new GatedAttention(8, 1, false)));
        assertEquals("layer 0: parameter 'gate.weight' has shape [8], expected [4]",
                refused.getMessage());
        for (int layer = 0; layer < 3; layer++) {
            assertSame(layers.get(layer), model.attention(layer));
        }
        assertArrayEquals(before, logits(model));
    }

    @Test
    void aRevisionThatFailsToMakeALayerIsRefused() {
        LlamaModel model = model(new GatedAttention(4, 1, false));
        AttentionLayer first = model.attention(0);
        SwapRefused refused = assertThrows(SwapRefused.class, () -> AttentionSwap.apply(model,
                GatedAttention.ID, new GatedAttention(4, 1, true)));
        assertTrue(refused.getMessage().startsWith("layer 0: the new revision failed: "
                + "java.lang.IllegalStateException: gated attention: no kernel"),
                refused.getMessage());
        assertSame(first, model.attention(0));
    }
}
