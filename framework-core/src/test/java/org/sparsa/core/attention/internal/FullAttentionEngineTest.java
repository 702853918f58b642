package org.sparsa.core.attention.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.attention.FullAttentionReference;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;

/**
 * The {@code full} layer through the autograd engine on the Java backend: the loss
 * {@code sum(o * w)} back-propagated to q, k and v gives the float64 reference's gradients with
 * {@code dout = w}, and decoding records nothing while reproducing the forward's rows.
 */
class FullAttentionEngineTest {
    private static final double TOLERANCE = 1e-4;
    private static final Parameters NONE = new Parameters() {
        @Override
        public Variable get(String name) {
            throw new IllegalArgumentException("no parameter " + name);
        }

        @Override
        public Set<String> names() {
            return Set.of();
        }
    };

    private final Autograd ops = new Autograd(new JavaBackend());

    @ParameterizedTest(name = "B={0} T={1} Hq={2} Hkv={3} D={4} window={5}")
    @CsvSource({
        "2, 70, 4, 2, 16, 0",
        "3, 40, 4, 1, 8, 0",
        "2, 90, 6, 3, 8, 11",
    })
    void theLossGradientReachesQKAndV(int batch, int length, int heads, int kvHeads, int dim,
            int window) {
        AttentionShape shape = new AttentionShape(0, heads * dim, heads, kvHeads, dim, length);
        FullAttentionSpec spec = new FullAttentionSpec(length, heads, kvHeads, dim, window);
        SplittableRandom random = new SplittableRandom(batch * 97L + length + window);
        float[] qs = gaussian(random, batch * spec.querySize(), 2.0);
        float[] ks = gaussian(random, batch * spec.kvSize(), 1.0);
        float[] vs = gaussian(random, batch * spec.kvSize(), 1.0);
        float[] ws = gaussian(random, batch * spec.querySize(), 1.0);
        Variable q = ops.leaf(ops.tensor(qs, batch, length, heads, dim));
        Variable k = ops.leaf(ops.tensor(ks, batch, length, kvHeads, dim));
        Variable v = ops.leaf(ops.tensor(vs, batch, length, kvHeads, dim));
        AttentionLayer layer = layer(shape, window);
        AttentionOutput out = layer.forward(input(batch, length, q, k, v, 0), NONE, "dense");
        assertTrue(out.output().requiresGrad());
        Variable loss = ops.sum(ops.mul(out.output(), ops.constant(ws,
                batch, length, heads, dim)), false);
        loss.backward();

        float[] o = out.output().value().toArray();
        float[] dq = q.grad().orElseThrow().toArray();
        float[] dk = k.grad().orElseThrow().toArray();
        float[] dv = v.grad().orElseThrow().toArray();
        for (int b = 0; b < batch; b++) {
            double[] qb = part(qs, b, spec.querySize());
            double[] kb = part(ks, b, spec.kvSize());
            double[] vb = part(vs, b, spec.kvSize());
            FullAttentionReference.Gradients want = FullAttentionReference.backward(spec, qb, kb,
                    vb, part(ws, b, spec.querySize()));
            assertClose("o, sequence " + b, FullAttentionReference.forward(spec, qb, kb, vb),
                    o, b * spec.querySize());
            assertClose("dq, sequence " + b, want.dq(), dq, b * spec.querySize());
            assertClose("dk, sequence " + b, want.dk(), dk, b * spec.kvSize());
            assertClose("dv, sequence " + b, want.dv(), dv, b * spec.kvSize());
        }
    }

    @ParameterizedTest(name = "window={0}")
    @CsvSource({"0", "6"})
    void decodingRecordsNothingAndReproducesTheForward(int window) {
        int batch = 2;
        int length = 30;
        AttentionShape shape = new AttentionShape(1, 64, 4, 2, 16, length);
        SplittableRandom random = new SplittableRandom(19 + window);
        float[] qs = gaussian(random, batch * length * 4 * 16, 2.0);
        float[] ks = gaussian(random, batch * length * 2 * 16, 1.0);
        float[] vs = gaussian(random, batch * length * 2 * 16, 1.0);
        AttentionLayer layer = layer(shape, window);
        Variable q = ops.leaf(ops.tensor(qs, batch, length, 4, 16));
        Variable k = ops.leaf(ops.tensor(ks, batch, length, 2, 16));
        Variable v = ops.leaf(ops.tensor(vs, batch, length, 2, 16));
        float[] want = layer.forward(input(batch, length, q, k, v, 0), NONE, "dense").output()
                .value().toArray();

        KvCache cache = layer.newCache(batch, length);
        // A prompt of 20 positions, then one position at a time, from leaves that want gradients.
        check(want, layer.decode(input(batch, 20, slice(q, 0, 20), slice(k, 0, 20),
                slice(v, 0, 20), 0), cache, NONE, "dense"), 0, 20, length);
        for (int t = 20; t < length; t++) {
            Variable o = layer.decode(input(batch, 1, slice(q, t, t + 1), slice(k, t, t + 1),
                    slice(v, t, t + 1), t), cache, NONE, "dense");
            check(want, o, t, t + 1, length);
        }
        assertEquals(length, cache.length());
        assertTrue(ops.isRecording());
    }

    private void check(float[] forward, Variable got, int from, int to, int length) {
        assertFalse(got.requiresGrad(), "decode output must not record a graph");
        int batch = got.shape()[0];
        int row = got.shape()[2] * got.shape()[3];
        assertArrayEquals(new int[] {batch, to - from, 4, 16}, got.shape());
        float[] values = got.value().toArray();
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < (to - from) * row; i++) {
                float want = forward[(b * length + from) * row + i];
                float value = values[b * (to - from) * row + i];
                assertTrue(Math.abs(want - value) <= 2e-5 * (1 + Math.abs(want)),
                        "positions " + from + ".." + to + ", sequence " + b + ", index " + i
                                + ": want " + want + " got " + value);
            }
        }
    }

    private Variable slice(Variable x, int from, int to) {
        return ops.slice(x, 1, from, to);
    }

    private AttentionInput input(int batch, int time, Variable q, Variable k, Variable v,
            int first) {
        return new AttentionInput(ops.constant(new float[batch * time], batch, time, 1), q, k, v,
                IntTensor.vector(IntStream.range(first, first + time).toArray()));
    }

    private static AttentionLayer layer(AttentionShape shape, int window) {
        return new FullAttentionPlugin().create(shape,
                PluginConfig.of(Map.of("window", window), "test"));
    }

    private static void assertClose(String what, double[] want, float[] got, int offset) {
        for (int i = 0; i < want.length; i++) {
            int index = i;
            double error = Math.abs(got[offset + i] - want[i]);
            assertTrue(error <= TOLERANCE + TOLERANCE * Math.abs(want[i]), () -> what
                    + ": flat index " + index + " want " + want[index] + " got "
                    + got[offset + index]);
        }
    }

    private static double[] part(float[] x, int b, int size) {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = x[b * size + i];
        }
        return out;
    }

    private static float[] gaussian(SplittableRandom random, int n, double sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * sigma);
        }
        return x;
    }
}
