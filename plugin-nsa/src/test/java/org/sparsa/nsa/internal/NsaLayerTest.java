package org.sparsa.nsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.attention.FullAttentionReference;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;

class NsaLayerTest {
    private static final int BATCH = 2;
    private static final int TIME = 21;
    private static final AttentionShape SHAPE = new AttentionShape(0, 12, 4, 2, 8, 64);
    private static final PluginConfig CONFIG = config("linear");
    private static final String PREFIX = "model.layers.1.self_attn.";

    private final Ops ops = new Autograd(new JavaBackend());
    private final ParameterStore store = new ParameterStore((Autograd) ops, 3);
    private final NsaPlugin plugin = new NsaPlugin();
    private Parameters parameters = store.create("model.layers.0.self_attn.",
            plugin.parameterSpecs(SHAPE, CONFIG));
    private NsaLayer layer = (NsaLayer) plugin.create(SHAPE, CONFIG);
    private final SplitMix64 random = SplitMix64.seeded(17);

    private static PluginConfig config(String compress) {
        return config(compress, false);
    }

    private static PluginConfig config(String compress, boolean independentKv) {
        return PluginConfig.of(Map.of("block_len", 4, "stride", 2, "select_block", 4,
                "select_count", 3, "window", 5, "compress", compress, "independent_kv",
                independentKv), "test");
    }

    /** The layer and parameters of {@code compress} in place of the linear ones. */
    private void use(String compress, boolean independentKv) {
        use(SHAPE, config(compress, independentKv));
    }

    /** A layer of {@code shape} and {@code config}, with parameters under a prefix of its own. */
    private void use(AttentionShape shape, PluginConfig config) {
        parameters = store.create(PREFIX, plugin.parameterSpecs(shape, config));
        layer = (NsaLayer) plugin.create(shape, config);
    }

    private Variable random(int... shape) {
        float[] values = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return ops.leaf(org.sparsa.core.tensor.DenseTensor.wrap(values, shape));
    }

    private AttentionInput input(Variable hidden, Variable q, Variable k, Variable v, int from) {
        int time = q.shape()[1];
        return new AttentionInput(hidden, q, k, v,
                IntTensor.vector(IntStream.range(from, from + time).toArray()));
    }

    @ParameterizedTest(name = "{0}, independent_kv {1}")
    @CsvSource({"linear, false", "mlp, false", "mean, false", "linear, true", "mlp, true",
        "mean, true"})
    void decodingTokenByTokenGivesTheForwardRows(String compress, boolean independentKv) {
        use(compress, independentKv);
        Variable hidden = random(BATCH, TIME, 12);
        Variable q = random(BATCH, TIME, 4, 8);
        Variable k = random(BATCH, TIME, 2, 8);
        Variable v = random(BATCH, TIME, 2, 8);
        float[] parallel = layer.forward(input(hidden, q, k, v, 0), parameters, "sparse")
                .output().value().toArray();
        KvCache cache = layer.newCache(BATCH, TIME);
        // A prompt of 7 positions at once, then one position per step.
        int[] cuts = IntStream.concat(IntStream.of(0), IntStream.rangeClosed(7, TIME)).toArray();
        for (int c = 0; c + 1 < cuts.length; c++) {
            int from = cuts[c];
            int to = cuts[c + 1];
            float[] step = layer.decode(input(ops.slice(hidden, 1, from, to),
                    ops.slice(q, 1, from, to), ops.slice(k, 1, from, to),
                    ops.slice(v, 1, from, to), from), cache, parameters, "sparse")
                    .value().toArray();
            int width = (to - from) * 4 * 8;
            for (int b = 0; b < BATCH; b++) {
                for (int i = 0; i < width; i++) {
                    float expected = parallel[(b * TIME + from) * 32 + i];
                    assertEquals(expected, step[b * width + i], 1e-5,
                            "sequence " + b + " positions " + from + ".." + to);
                }
            }
        }
        assertEquals(TIME, cache.length());
    }

    /** The layer's gates, linear compressor and kernel together give what the spec's op gives. */
    @Test
    void theLayerWithLinearCompressionIsTheReferenceOp() {
        Variable hidden = random(1, TIME, 12);
        Variable q = random(1, TIME, 4, 8);
        Variable k = random(1, TIME, 2, 8);
        Variable v = random(1, TIME, 2, 8);
        float[] layerOut = layer.forward(input(hidden, q, k, v, 0), parameters, "sparse")
                .output().value().toArray();
        Variable gates = ops.reshape(ops.sigmoid(ops.add(ops.matmul(ops.reshape(hidden, TIME,
                12), ops.transpose(parameters.get("gate.weight"), 0, 1)),
                parameters.get("gate.bias"))), TIME, 4, 3);
        float[] reference = NsaReference.forward(ops.reshape(q, TIME, 4, 8),
                ops.reshape(k, TIME, 2, 8), ops.reshape(v, TIME, 2, 8), gates,
                parameters.get("compress.k.weight"), parameters.get("compress.v.weight"),
                parameters.get("compress.k.position"), parameters.get("compress.v.position"),
                NsaPlugin.params(CONFIG)).o().value().toArray();
        for (int i = 0; i < reference.length; i++) {
            assertEquals(reference[i], layerOut[i], 1e-5, "entry " + i);
        }
    }

    @Test
    void eachSequenceOfABatchIsAttendedOnItsOwn() {
        Variable hidden = random(BATCH, TIME, 12);
        Variable q = random(BATCH, TIME, 4, 8);
        Variable k = random(BATCH, TIME, 2, 8);
        Variable v = random(BATCH, TIME, 2, 8);
        float[] both = layer.forward(input(hidden, q, k, v, 0), parameters, "sparse").output()
                .value().toArray();
        float[] second = layer.forward(input(ops.slice(hidden, 0, 1, 2), ops.slice(q, 0, 1, 2),
                ops.slice(k, 0, 1, 2), ops.slice(v, 0, 1, 2), 0), parameters, "sparse")
                .output().value().toArray();
        assertArrayEquals(second, Arrays.copyOfRange(both, TIME * 32, 2 * TIME * 32));
    }

    @ParameterizedTest(name = "{0}, independent_kv {1}")
    @CsvSource({"linear, false", "mlp, false", "mean, false", "linear, true", "mlp, true",
        "mean, true"})
    void gradientsReachTheGatesTheCompressionAndTheBranchProjections(String compress,
            boolean independentKv) {
        use(compress, independentKv);
        assertEquals(independentKv, parameters.names().contains("window.v.weight"));
        Variable hidden = random(1, TIME, 12);
        Variable q = random(1, TIME, 4, 8);
        Variable k = random(1, TIME, 2, 8);
        Variable v = random(1, TIME, 2, 8);
        Variable o = layer.forward(input(hidden, q, k, v, 0), parameters, "sparse").output();
        ops.sum(o, false).backward();
        for (String name : parameters.names()) {
            if (name.equals("compress.k.position")) {
                // Under linear compression it shifts every compressed score alike: no gradient.
                continue;
            }
            float[] grad = parameters.get(name).grad().orElseThrow().toArray();
            assertTrue(IntStream.range(0, grad.length).anyMatch(i -> grad[i] != 0),
                    name + " got no gradient");
        }
    }

    /**
     * With the window's gate alone open and a window of at least T, a layer with
     * {@code independent_kv} is full causal attention of the model's queries over the keys and
     * values it projects for its window, the keys rotated at the input's positions with the
     * model's rotary base; the selected branch alike with every block selected.
     */
    @ParameterizedTest(name = "branch {0}")
    @ValueSource(ints = {1, 2})
    void independentKvBranchesAttendOverTheirOwnProjections(int branch) {
        AttentionShape shape = new AttentionShape(0, 12, 4, 2, 8, 64, 500.0);
        // Six selection blocks of 4 cover T = 21; a window of 32 covers it too.
        use(shape, PluginConfig.of(Map.of("block_len", 4, "stride", 2, "select_block", 4,
                "select_count", 6, "window", 32, "independent_kv", true), "test"));
        float[] bias = new float[3 * 4];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = i % 3 == branch ? 40 : -40;
        }
        store.replace(PREFIX + "gate.weight", ops.tensor(new float[3 * 4 * 12], 3 * 4, 12));
        store.replace(PREFIX + "gate.bias", ops.tensor(bias, 3 * 4));
        Variable hidden = random(1, TIME, 12);
        Variable q = random(1, TIME, 4, 8);
        IntTensor positions = IntTensor.vector(IntStream.range(0, TIME).toArray());
        float[] out = layer.forward(new AttentionInput(hidden, q, random(1, TIME, 2, 8),
                random(1, TIME, 2, 8), positions), parameters, "sparse").output().value()
                .toArray();
        String prefix = branch == 1 ? "select." : "window.";
        Variable keys = ops.rope(project(hidden, parameters.get(prefix + "k.weight")), 1,
                positions, 8, 500.0);
        Variable values = project(hidden, parameters.get(prefix + "v.weight"));
        double[] expected = FullAttentionReference.forward(new FullAttentionSpec(TIME, 4, 2, 8,
                0), widen(q), widen(keys), widen(values));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], out[i], 2e-5, "entry " + i);
        }
    }

    /** {@code hidden @ weight^T} as kv heads, {@code [1, T, 2, 8]}. */
    private Variable project(Variable hidden, Variable weight) {
        return ops.reshape(ops.matmul(hidden, ops.transpose(weight, 0, 1)), 1, TIME, 2, 8);
    }

    private static double[] widen(Variable x) {
        float[] values = x.value().toArray();
        double[] wide = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return wide;
    }

    @Test
    void aCacheOfTheOtherKindIsRefused() {
        KvCache shared = layer.newCache(1, TIME);
        use("linear", true);
        Variable x = random(1, 1, 12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layer.decode(input(x, random(1, 1, 4, 8), random(1, 1, 2, 8),
                        random(1, 1, 2, 8), 0), shared, parameters, "sparse"));
        assertTrue(e.getMessage().contains("newCache"), e.getMessage());
    }

    @Test
    void onlyTheSparseModeExists() {
        Variable x = random(1, 3, 12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(input(x, random(1, 3, 4, 8), random(1, 3, 2, 8),
                        random(1, 3, 2, 8), 0), parameters, "dense"));
        assertTrue(e.getMessage().contains("one mode, 'sparse'"), e.getMessage());
    }
}
