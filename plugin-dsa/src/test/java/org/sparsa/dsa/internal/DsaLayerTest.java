package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.quant.Fp8E4m3;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.tensor.DenseTensor;

class DsaLayerTest {
    private static final int BATCH = 2;
    private static final int TIME = 13;
    private static final int HIDDEN = 12;
    private static final int HEADS = 4;
    private static final int DIM = 8;
    private static final AttentionShape SHAPE = new AttentionShape(0, HIDDEN, HEADS, 1, DIM, 64);
    private static final int TOP_K = 5;

    private final Ops ops = new Autograd(new JavaBackend());
    private final ParameterStore store = new ParameterStore((Autograd) ops, 3);
    private final DsaPlugin plugin = new DsaPlugin();
    private final SplitMix64 random = SplitMix64.seeded(23);
    private int layers;

    private static PluginConfig config(Map<String, Object> extra) {
        Map<String, Object> values = new HashMap<>(Map.of("top_k", TOP_K, "index_heads", 2,
                "index_dim", 8, "rope_dim", 4));
        values.putAll(extra);
        return PluginConfig.of(values, "test");
    }

    /** A layer and fresh parameters for {@code config}. */
    private Layer layer(PluginConfig config) {
        Parameters parameters = store.create("model.layers." + layers++ + ".self_attn.",
                plugin.parameterSpecs(SHAPE, config));
        // Indexer weights of order 1, so that its scores spread and select different keys.
        for (String name : List.of(Indexer.WQ, Indexer.WK, Indexer.WEIGHTS)) {
            float[] values = DenseTensor.of(parameters.get(name).value()).data();
            for (int i = 0; i < values.length; i++) {
                values[i] *= 25;
            }
        }
        return new Layer((DsaLayer) plugin.create(SHAPE, config), parameters);
    }

    private record Layer(DsaLayer layer, Parameters parameters) {
        AttentionOutput forward(AttentionInput input, String mode) {
            return layer.forward(input, parameters, mode);
        }
    }

    private Variable random(int... shape) {
        float[] values = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return ops.leaf(DenseTensor.wrap(values, shape));
    }

    private AttentionInput input(int batch, int time) {
        return input(random(batch, time, HIDDEN), random(batch, time, HEADS, DIM),
                random(batch, time, 1, DIM), random(batch, time, 1, DIM), 0);
    }

    private static AttentionInput input(Variable hidden, Variable q, Variable k, Variable v,
            int from) {
        int time = q.shape()[1];
        return new AttentionInput(hidden, q, k, v,
                IntTensor.vector(IntStream.range(from, from + time).toArray()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sparse", "dense"})
    void decodingTokenByTokenGivesTheForwardRows(String mode) {
        Layer layer = layer(config(Map.of()));
        AttentionInput all = input(BATCH, TIME);
        float[] parallel = layer.forward(all, mode).output().value().toArray();
        KvCache cache = layer.layer().newCache(BATCH, TIME);
        // A prompt of 4 positions at once, then one position per step.
        int[] cuts = IntStream.concat(IntStream.of(0), IntStream.rangeClosed(4, TIME)).toArray();
        for (int c = 0; c + 1 < cuts.length; c++) {
            int from = cuts[c];
            int to = cuts[c + 1];
            float[] step = layer.layer().decode(input(ops.slice(all.hidden(), 1, from, to),
                    ops.slice(all.q(), 1, from, to), ops.slice(all.k(), 1, from, to),
                    ops.slice(all.v(), 1, from, to), from), cache, layer.parameters(), mode)
                    .value().toArray();
            int width = (to - from) * HEADS * DIM;
            for (int b = 0; b < BATCH; b++) {
                for (int i = 0; i < width; i++) {
                    assertEquals(parallel[(b * TIME + from) * HEADS * DIM + i],
                            step[b * width + i], 1e-5, "sequence " + b + " positions " + from
                                    + ".." + to);
                }
            }
        }
        assertEquals(TIME, cache.length());
        assertThrows(IllegalStateException.class, () -> layer.layer().decode(input(BATCH, 1),
                cache, layer.parameters(), mode));
    }

    /**
     * The layer's streaming selection, fused losses and kernels give what the reference gives
     * on the same projections, one sequence at a time: output, loss and the indexer's gradients.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sparse", "dense"})
    void theLayerComputesWhatTheReferenceDoes(String mode) {
        PluginConfig config = config(Map.of());
        Layer layer = layer(config);
        AttentionInput in = input(BATCH, TIME);
        AttentionOutput out = layer.forward(in, mode);
        Variable loss = out.auxiliaryLosses().get(DsaLayer.INDEXER_LOSS);
        loss.backward();
        Map<String, float[]> fused = new HashMap<>();
        for (String name : layer.parameters().names()) {
            fused.put(name, layer.parameters().get(name).grad().orElseThrow().toArray());
        }
        store.zeroGrad();

        Indexer.Projections index = new Indexer(SHAPE, DsaPlugin.params(config)).project(
                in.hidden(), in.positions(), layer.parameters());
        Variable total = null;
        float[] o = out.output().value().toArray();
        int width = TIME * HEADS * DIM;
        for (int b = 0; b < BATCH; b++) {
            Variable q = sequence(in.q(), b, HEADS, DIM);
            Variable k = sequence(in.k(), b, 1, DIM);
            Variable v = sequence(in.v(), b, 1, DIM);
            Variable scores = DsaReference.indexScores(sequence(index.qi(), b, 2, 8),
                    sequence(index.ki(), b, 8), sequence(index.w(), b, 2), 0);
            Variable each;
            Variable want;
            if ("sparse".equals(mode)) {
                int[] selected = DsaReference.select(scores, TOP_K, 0);
                each = DsaReference.klSparse(q, k, scores, selected, TOP_K, 0);
                want = DsaReference.sparseAttention(q, k, v, selected, TOP_K, 0);
            } else {
                each = DsaReference.klDense(q, k, scores, 0);
                want = DsaReference.denseAttention(q, k, v, 0);
            }
            float[] expected = want.value().toArray();
            for (int i = 0; i < width; i++) {
                assertEquals(expected[i], o[b * width + i], 1e-5, "output " + b + ", " + i);
            }
            total = total == null ? each : ops.add(total, each);
        }
        Variable reference = ops.scale(total, 1.0 / BATCH);
        assertEquals(reference.value().toArray()[0], loss.value().toArray()[0], 1e-5, "loss");
        reference.backward();
        for (String name : layer.parameters().names()) {
            float[] want = layer.parameters().get(name).grad().orElseThrow().toArray();
            float[] got = fused.get(name);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])),
                        "gradient of " + name + " at " + i);
            }
        }
    }

    /** Sequence {@code b} of a batched tensor {@code [B, T, ...]}, as {@code [T, ...]}. */
    private Variable sequence(Variable x, int b, int... rest) {
        int[] shape = new int[rest.length + 1];
        shape[0] = TIME;
        System.arraycopy(rest, 0, shape, 1, rest.length);
        return ops.reshape(ops.slice(x, 0, b, b + 1), shape);
    }

    @Test
    void sparseModeSelectsFewerKeysThanDenseMode() {
        Layer layer = layer(config(Map.of()));
        AttentionInput in = input(1, TIME);
        float[] sparse = layer.forward(in, "sparse").output().value().toArray();
        float[] dense = layer.forward(in, "dense").output().value().toArray();
        int rows = TOP_K * HEADS * DIM;
        // The first top_k queries see at most top_k keys, all of which they select.
        for (int i = 0; i < rows; i++) {
            assertEquals(dense[i], sparse[i], 1e-5, "entry " + i);
        }
        assertFalse(Arrays.equals(Arrays.copyOfRange(dense, rows, dense.length),
                Arrays.copyOfRange(sparse, rows, sparse.length)));
        Layer wide = layer(config(Map.of("top_k", TIME)));
        float[] all = wide.forward(in, "sparse").output().value().toArray();
        for (int i = 0; i < all.length; i++) {
            assertEquals(dense[i], all[i], 1e-5, "entry " + i);
        }
    }

    @Test
    void eachSequenceOfABatchIsAttendedOnItsOwn() {
        Layer layer = layer(config(Map.of()));
        AttentionInput both = input(BATCH, TIME);
        AttentionOutput out = layer.forward(both, "sparse");
        AttentionInput second = input(ops.slice(both.hidden(), 0, 1, 2),
                ops.slice(both.q(), 0, 1, 2), ops.slice(both.k(), 0, 1, 2),
                ops.slice(both.v(), 0, 1, 2), 0);
        AttentionOutput alone = layer.forward(second, "sparse");
        float[] o = out.output().value().toArray();
        assertArrayEquals(alone.output().value().toArray(),
                Arrays.copyOfRange(o, TIME * HEADS * DIM, o.length));
        AttentionInput first = input(ops.slice(both.hidden(), 0, 0, 1),
                ops.slice(both.q(), 0, 0, 1), ops.slice(both.k(), 0, 0, 1),
                ops.slice(both.v(), 0, 0, 1), 0);
        float firstLoss = loss(layer.forward(first, "sparse"));
        assertEquals((firstLoss + loss(alone)) / 2, loss(out), 1e-6);
    }

    /** The language-model side and the indexer learn apart: no gradient crosses between them. */
    @ParameterizedTest
    @ValueSource(strings = {"sparse", "dense"})
    void theIndexerLearnsOnlyFromItsLossAndNothingElseFromIt(String mode) {
        Layer layer = layer(config(Map.of()));
        AttentionInput in = input(1, TIME);
        ops.sum(layer.forward(in, mode).output(), false).backward();
        for (String name : layer.parameters().names()) {
            assertZero(layer.parameters().get(name), "output on " + name);
        }
        for (Variable x : List.of(in.q(), in.k(), in.v())) {
            assertNonZero(x, "output on the main attention");
        }

        store.zeroGrad();
        AttentionInput again = input(1, TIME);
        Variable loss = layer.forward(again, mode).auxiliaryLosses().get(DsaLayer.INDEXER_LOSS);
        assertEquals(0, loss.shape().length, "the loss is a scalar");
        loss.backward();
        for (Variable x : List.of(again.hidden(), again.q(), again.k(), again.v())) {
            assertZero(x, "indexer loss on the layer's inputs");
        }
        for (String name : layer.parameters().names()) {
            assertNonZero(layer.parameters().get(name), "indexer loss on " + name);
        }
    }

    @Test
    void fp8QuantisesTheIndexKeysPerGroup() {
        PluginConfig exact = config(Map.of("index_dim", 16, "rope_dim", 4));
        Layer layer = layer(exact);
        AttentionInput in = input(1, TIME);
        Indexer.Projections plain = new Indexer(SHAPE, DsaPlugin.params(exact)).project(
                in.hidden(), in.positions(), layer.parameters());
        Indexer.Projections quantised = new Indexer(SHAPE, DsaPlugin.params(config(Map.of(
                "index_dim", 16, "rope_dim", 4, "fp8", true, "fp8_group", 8,
                "pow2_scale", true)))).project(in.hidden(), in.positions(), layer.parameters());
        float[] ki = plain.ki().value().toArray();
        float[] expected = new float[ki.length];
        Fp8E4m3.quantizeDequantize(ki, TIME, 16, 8, true, expected, new float[TIME * 2]);
        assertArrayEquals(expected, quantised.ki().value().toArray());
        assertFalse(Arrays.equals(ki, expected), "quantisation changed nothing");
        float[] qi = plain.qi().value().toArray();
        float[] expectedQi = new float[qi.length];
        Fp8E4m3.quantizeDequantize(qi, TIME * 2, 16, 8, true, expectedQi,
                new float[TIME * 2 * 2]);
        assertArrayEquals(expectedQi, quantised.qi().value().toArray());
        assertArrayEquals(plain.w().value().toArray(), quantised.w().value().toArray());
    }

    @Test
    void unknownModesAndWrongShapesAreRefused() {
        Layer layer = layer(config(Map.of()));
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(input(1, 3), "full"));
        assertTrue(mode.getMessage().contains("[sparse, dense]"), mode.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(input(random(1, 3, HIDDEN), random(1, 3, HEADS, DIM),
                        random(1, 3, 2, DIM), random(1, 3, 2, DIM), 0), "sparse"));
        assertTrue(shape.getMessage().contains("dsa layer 0"), shape.getMessage());
    }

    private static float loss(AttentionOutput out) {
        return out.auxiliaryLosses().get(DsaLayer.INDEXER_LOSS).value().toArray()[0];
    }

    private static void assertZero(Variable x, String what) {
        float[] grad = x.grad().map(Tensor::toArray).orElse(new float[0]);
        for (float g : grad) {
            assertEquals(0f, g, what);
        }
    }

    private static void assertNonZero(Variable x, String what) {
        float[] grad = x.grad().map(Tensor::toArray).orElse(new float[0]);
        assertTrue(IntStream.range(0, grad.length).anyMatch(i -> grad[i] != 0),
                what + " gives no gradient");
    }
}
