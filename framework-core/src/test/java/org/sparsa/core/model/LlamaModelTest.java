package org.sparsa.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.tensor.DenseTensor;

/**
 * The model on the Java backend beyond the golden case: the parameter layout of dense, tied and
 * MoE models; MoE gradients against central differences; routing recorded and replayed; the
 * checks on the inputs.
 */
class LlamaModelTest {
    private static final ModelConfig TINY = ModelConfig.llama(11, 8, 2, 2, 1, 12)
            .withMaxSequence(16);
    private static final ModelConfig MOE = TINY.withMoe(MoeConfig.everyLayer(4, 2, true, 6));

    @Test
    void aDenseModelDeclaresTheHuggingFaceLayout() {
        ParameterStore store = store();
        LlamaModel model = model(TINY, store);
        List<String> want = new ArrayList<>(List.of("model.embed_tokens.weight"));
        for (int i = 0; i < 2; i++) {
            String p = "model.layers." + i + ".";
            want.addAll(List.of(p + "input_layernorm.weight", p + "self_attn.q_proj.weight",
                    p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight",
                    p + "self_attn.o_proj.weight", p + "post_attention_layernorm.weight",
                    p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight",
                    p + "mlp.down_proj.weight"));
        }
        want.addAll(List.of("model.norm.weight", "lm_head.weight"));
        assertEquals(want, List.copyOf(store.names()));
        assertArrayEquals(new int[] {4, 8}, store.get("model.layers.0.self_attn.k_proj.weight")
                .shape());
        assertArrayEquals(new int[] {8, 12}, store.get("model.layers.1.mlp.down_proj.weight")
                .shape());
        assertEquals(1f, store.get("model.norm.weight").value().get(3));

        Variable logits = model.forward(tokens(2, 5, 1)).logits();
        assertArrayEquals(new int[] {2, 5, 11}, logits.shape());
    }

    /** Plugins that rotate keys of their own learn the model's rotary base from the shape. */
    @Test
    void eachLayerShapeCarriesTheModelsRotaryBase() {
        ModelConfig config = new ModelConfig(TINY.vocab(), TINY.dim(), TINY.layers(),
                TINY.heads(), TINY.kvHeads(), TINY.headDim(), TINY.ffnHidden(), TINY.normEps(),
                500000.0, false, TINY.maxSequence(), TINY.attention(), Map.of(), null);
        List<AttentionShape> shapes = new ArrayList<>();
        AttentionPlugin full = new FullAttentionPlugin();
        AttentionPlugin recording = new AttentionPlugin() {
            @Override
            public List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig c) {
                shapes.add(shape);
                return full.parameterSpecs(shape, c);
            }

            @Override
            public AttentionLayer create(AttentionShape shape, PluginConfig c) {
                return full.create(shape, c);
            }
        };
        new LlamaModel(config, store(), Collections.nCopies(config.layers(), recording));
        assertEquals(List.of(new AttentionShape(0, 8, 2, 1, 4, 16, 500000.0),
                new AttentionShape(1, 8, 2, 1, 4, 16, 500000.0)), shapes);
    }

    /** A swapped plugin's layer takes over from the next pass, over the same parameters. */
    @Test
    void aReplacedAttentionLayerServesTheNextPassAndTheSpecsStayAsDeclared() {
        ParameterSpec gate = new ParameterSpec("gate.weight", List.of(3), "ones", 0);
        AttentionPlugin full = new FullAttentionPlugin();
        AttentionPlugin withGate = new AttentionPlugin() {
            @Override
            public List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig c) {
                return List.of(gate);
            }

            @Override
            public AttentionLayer create(AttentionShape shape, PluginConfig c) {
                return full.create(shape, c);
            }
        };
        ParameterStore store = store();
        LlamaModel model = new LlamaModel(TINY, store, List.of(full, withGate));
        assertEquals(List.of(), model.attentionSpecs(0));
        assertEquals(List.of(gate), model.attentionSpecs(1));
        assertEquals(new AttentionShape(1, 8, 2, 1, 4, 16, TINY.ropeTheta()),
                model.attentionShape(1));
        IntTensor tokens = tokens(1, 6, 3);
        float[] before = model.forward(tokens).logits().value().toArray();

        AttentionLayer windowed = full.create(model.attentionShape(1),
                PluginConfig.of(Map.of("window", 1), "test"));
        AttentionLayer old = model.replaceAttention(1, windowed);
        assertTrue(model.attention(1) == windowed && old != windowed);
        float[] after = model.forward(tokens).logits().value().toArray();
        // Position 0 sees only itself either way; later positions now see only themselves.
        assertArrayEquals(Arrays.copyOf(before, 11), Arrays.copyOf(after, 11));
        assertFalse(Arrays.equals(before, after));
        model.replaceAttention(1, old);
        assertArrayEquals(before, model.forward(tokens).logits().value().toArray());
    }

    @Test
    void tiedEmbeddingsShareTheTable() {
        ParameterStore store = store();
        LlamaModel model = model(TINY.withTieEmbeddings(true), store);
        assertFalse(store.contains("lm_head.weight"));
        Variable loss = model.loss(tokens(1, 6, 2));
        loss.backward();
        // The table collects gradient from the embedding and from the head.
        assertTrue(store.get("model.embed_tokens.weight").grad().isPresent());
    }

    @Test
    void anMoeModelDeclaresRouterExpertsAndTheSharedExpert() {
        ParameterStore store = store();
        model(MOE.withMoe(new MoeConfig(3, 1, true, 5, List.of(1))), store);
        assertTrue(store.contains("model.layers.0.mlp.gate_proj.weight"));
        assertFalse(store.contains("model.layers.1.mlp.gate_proj.weight"));
        assertArrayEquals(new int[] {3, 8}, store.get("model.layers.1.mlp.gate.weight").shape());
        assertArrayEquals(new int[] {5, 8},
                store.get("model.layers.1.mlp.experts.2.up_proj.weight").shape());
        assertArrayEquals(new int[] {8, 5},
                store.get("model.layers.1.mlp.shared_experts.down_proj.weight").shape());
        assertFalse(store.contains("model.layers.1.mlp.experts.3.up_proj.weight"));
    }

    @Test
    void moeGradientsMatchCentralDifferences() {
        ParameterStore store = store();
        LlamaModel model = model(MOE, store);
        spread(store, 0.3);
        IntTensor tokens = tokens(2, 7, 3);
        ModelOutput out = model.forward(tokens);
        Variable loss = LlamaModel.nextTokenLoss(out.logits(), tokens, null);
        loss.backward();
        Routing routing = out.routing();
        assertEquals(List.of(0, 1), List.copyOf(routing.byLayer().keySet()));

        List<String> checked = List.of("model.layers.0.mlp.gate.weight",
                "model.layers.1.mlp.gate.weight", "model.layers.0.mlp.experts.1.gate_proj.weight",
                "model.layers.1.mlp.experts.3.down_proj.weight",
                "model.layers.1.mlp.shared_experts.up_proj.weight",
                "model.layers.0.self_attn.q_proj.weight", "model.embed_tokens.weight");
        for (String name : checked) {
            float[] grad = store.get(name).grad().orElseThrow(() -> new AssertionError(
                    name + " has no gradient")).toArray();
            // The largest entry and two fixed others.
            int largest = 0;
            for (int i = 1; i < grad.length; i++) {
                largest = Math.abs(grad[i]) > Math.abs(grad[largest]) ? i : largest;
            }
            assertTrue(Math.abs(grad[largest]) > 1e-4, name + ": gradient vanishes");
            for (int index : new int[] {largest, 0, grad.length / 2}) {
                double numeric = centralDifference(model, store, name, index, tokens, routing);
                assertTrue(Math.abs(numeric - grad[index]) <= 2e-3 + 3e-2 * Math.abs(numeric),
                        name + "[" + index + "]: autograd " + grad[index] + ", central "
                                + "difference " + numeric);
            }
        }
    }

    @Test
    void theOpenClBackendGivesTheJavaGradientsOfAnMoeModel() {
        LlamaGoldenTest.requireOpenCl();
        IntTensor tokens = tokens(2, 9, 6);
        ParameterStore java = store();
        ParameterStore opencl = new ParameterStore(new Autograd(Backends.open(
                BackendKind.OPENCL)), 42);
        float[][] logits = new float[2][];
        int i = 0;
        for (ParameterStore store : List.of(java, opencl)) {
            LlamaModel model = model(MOE, store);
            spread(store, 0.3);
            ModelOutput out = model.forward(tokens);
            LlamaModel.nextTokenLoss(out.logits(), tokens, null).backward();
            logits[i++] = out.logits().value().toArray();
        }
        assertClose("logits", logits[0], logits[1]);
        for (String name : java.names()) {
            // An expert no token went to gets no gradient, on either backend.
            var want = java.get(name).grad();
            var got = opencl.get(name).grad();
            assertEquals(want.isPresent(), got.isPresent(), name + ": gradient present");
            if (want.isPresent()) {
                assertClose(name, want.get().toArray(), got.get().toArray());
            }
        }
    }

    private static void assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 1e-4 + 1e-3 * Math.abs(want[i]), what + "["
                    + i + "]: java " + want[i] + ", opencl " + got[i]);
        }
    }

    @Test
    void replayingTheRecordedRoutingGivesIdenticalLogits() {
        ParameterStore store = store();
        LlamaModel model = model(MOE, store);
        spread(store, 0.3);
        IntTensor tokens = tokens(2, 9, 4);
        ModelOutput first = model.forward(tokens);
        ModelOutput replayed = model.forward(tokens, null, first.routing());
        assertArrayEquals(first.logits().value().toArray(), replayed.logits().value().toArray());
        assertEquals(first.routing(), replayed.routing());

        // Another routing is obeyed, and changes the logits.
        int[] ids = first.routing().layer(1).toArray();
        for (int i = 0; i < ids.length; i += 2) {
            // The lowest expert this token did not go to replaces its first choice.
            int e = 0;
            while (e == ids[i] || e == ids[i + 1]) {
                e++;
            }
            ids[i] = e;
        }
        Routing other = new Routing(Map.of(0, first.routing().layer(0),
                1, IntTensor.of(ids, 2, 9, 2)));
        ModelOutput forced = model.forward(tokens, null, other);
        assertEquals(other, forced.routing());
        assertFalse(Arrays.equals(first.logits().value().toArray(),
                forced.logits().value().toArray()));
    }

    @Test
    void badInputsAreNamed() {
        LlamaModel model = model(MOE, store());
        IllegalArgumentException token = assertThrows(IllegalArgumentException.class,
                () -> model.forward(IntTensor.of(new int[] {1, 11}, 1, 2)));
        assertTrue(token.getMessage().contains("token 11 at flat index 1, expected an id in "
                + "[0, 11)"), token::getMessage);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> model.forward(IntTensor.vector(1, 2)));
        assertTrue(shape.getMessage().contains("expected [batch, time]"), shape::getMessage);
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> model.forward(tokens(1, 17, 0)));
        assertTrue(tooLong.getMessage().contains("exceed max_sequence 16"), tooLong::getMessage);
        IllegalArgumentException replay = assertThrows(IllegalArgumentException.class,
                () -> model.forward(tokens(1, 3, 0), null, new Routing(Map.of(
                        0, IntTensor.of(new int[] {0, 1, 2, 3, 1, 1}, 1, 3, 2),
                        1, IntTensor.of(new int[6], 1, 3, 2)))));
        assertTrue(replay.getMessage().contains("moe layer 0: replayed expert 1 twice at token 2"),
                replay::getMessage);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> model.forward(tokens(1, 3, 0), null, Routing.none()));
        assertTrue(missing.getMessage().contains("no expert ids for layer 0"),
                missing::getMessage);
        IllegalArgumentException plugins = assertThrows(IllegalArgumentException.class,
                () -> new LlamaModel(TINY, store(), List.of(new FullAttentionPlugin())));
        assertTrue(plugins.getMessage().contains("1 attention plugins for 2 layers"),
                plugins::getMessage);
        IllegalArgumentException modes = assertThrows(IllegalArgumentException.class,
                () -> model.forward(tokens(1, 3, 0), "sparse"));
        assertTrue(modes.getMessage().contains("unknown mode 'sparse'"), modes::getMessage);
    }

    @Test
    void theLossMaskSkipsTargets() {
        ParameterStore store = store();
        LlamaModel model = model(TINY, store);
        IntTensor tokens = tokens(1, 6, 5);
        Variable logits = model.forward(tokens).logits();
        // Only the targets at steps 2 and 5 count: logits 1 and 4.
        IntTensor mask = IntTensor.of(new int[] {1, 0, 1, 0, 0, 1}, 1, 6);
        float masked = LlamaModel.nextTokenLoss(logits, tokens, mask).value().item();
        Autograd ops = store.autograd();
        double want = 0;
        for (int t : new int[] {1, 4}) {
            Variable row = ops.slice(logits, 1, t, t + 1);
            want += ops.crossEntropy(row, IntTensor.of(new int[] {tokens.at(t + 1)}, 1, 1), -1)
                    .value().item();
        }
        assertEquals(want / 2, masked, 1e-5);
        assertEquals(0f, LlamaModel.nextTokenLoss(logits, tokens,
                IntTensor.of(new int[6], 1, 6)).value().item());
    }

    private static double centralDifference(LlamaModel model, ParameterStore store, String name,
            int index, IntTensor tokens, Routing routing) {
        Variable p = store.get(name);
        float[] values = p.value().toArray();
        float original = values[index];
        double step = 1e-2;
        double[] losses = new double[2];
        GradScope noGrad = store.autograd().noGrad();
        try {
            for (int side = 0; side < 2; side++) {
                values[index] = (float) (original + (side == 0 ? step : -step));
                store.replace(name, DenseTensor.wrap(values.clone(), p.shape()));
                // Replaying the routing keeps the choice of experts fixed, so the loss is the
                // smooth function whose gradient autograd computed.
                losses[side] = LlamaModel.nextTokenLoss(model.forward(tokens, null, routing)
                        .logits(), tokens, null).value().item();
            }
        } finally {
            noGrad.close();
        }
        values[index] = original;
        store.replace(name, DenseTensor.wrap(values, p.shape()));
        return (losses[0] - losses[1]) / (2 * step);
    }

    /** Larger random values than the init, so that every part of the model matters. */
    private static void spread(ParameterStore store, double std) {
        SplittableRandom random = new SplittableRandom(7);
        for (String name : store.names()) {
            Variable p = store.get(name);
            float[] values = p.value().toArray();
            boolean norm = name.endsWith("norm.weight");
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (norm ? 1 + 0.1 * random.nextGaussian()
                        : std * random.nextGaussian());
            }
            store.replace(name, DenseTensor.wrap(values, p.shape()));
        }
    }

    static ParameterStore store() {
        return new ParameterStore(new Autograd(new JavaBackend()), 42);
    }

    static LlamaModel model(ModelConfig config, ParameterStore store) {
        List<AttentionPlugin> plugins = Collections.nCopies(config.layers(),
                new FullAttentionPlugin());
        return new LlamaModel(config, store, plugins);
    }

    static IntTensor tokens(int batch, int time, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[batch * time];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(11);
        }
        return IntTensor.of(ids, batch, time);
    }
}
