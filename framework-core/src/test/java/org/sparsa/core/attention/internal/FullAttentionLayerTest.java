package org.sparsa.core.attention.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.attention.FlashAttention;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.core.attention.OpenClFullAttention;

/**
 * The {@code full} layer's forward and decode, run on stand-in ops that record nothing (the
 * gradient through the engine is checked with the engine): the forward equals the fused kernel's
 * output, and decoding a sequence step by step, or a prompt at once and then step by step,
 * reproduces the forward's rows.
 */
class FullAttentionLayerTest {
    private static final double TOLERANCE = 2e-5;
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

    @Test
    void forwardAppliesTheFusedKernelPerSequence() {
        AttentionShape shape = new AttentionShape(0, 32, 4, 2, 8, 64);
        Sequences x = new Sequences(2, 50, shape, 1);
        StubOps ops = new StubOps(BackendKind.JAVA);
        AttentionLayer layer = layer(shape, 6);
        AttentionOutput out = layer.forward(x.input(ops, 0, 50), NONE, "dense");
        assertEquals(Map.of(), out.auxiliaryLosses());
        assertArrayEquals(new int[] {2, 50, 4, 8}, out.output().shape());
        assertEquals(1, ops.applied);
        float[] o = out.output().value().toArray();
        FullAttentionSpec spec = new FullAttentionSpec(50, 4, 2, 8, 6);
        for (int b = 0; b < 2; b++) {
            float[] want = FlashAttention.forward(spec, x.slice(x.q, b, 0, 50, 4),
                    x.slice(x.k, b, 0, 50, 2), x.slice(x.v, b, 0, 50, 2)).o();
            assertArrayEquals(want, Arrays.copyOfRange(o, b * want.length,
                    (b + 1) * want.length), "sequence " + b);
        }
    }

    @ParameterizedTest(name = "Hq={0} Hkv={1} window={2}")
    @CsvSource({"4, 2, 0", "4, 1, 0", "4, 4, 7", "6, 2, 1"})
    void decodingStepByStepReproducesTheForward(int heads, int kvHeads, int window) {
        AttentionShape shape = new AttentionShape(1, 64, heads, kvHeads, 16, 64);
        int length = 45;
        Sequences x = new Sequences(2, length, shape, heads * 13L + window);
        StubOps ops = new StubOps(BackendKind.JAVA);
        AttentionLayer layer = layer(shape, window);
        float[] want = layer.forward(x.input(ops, 0, length), NONE, "dense").output().value()
                .toArray();
        KvCache cache = layer.newCache(2, length);
        for (int t = 0; t < length; t++) {
            Variable o = layer.decode(x.input(ops, t, t + 1), cache, NONE, "dense");
            assertEquals(t + 1, cache.length());
            x.assertRows(want, o.value().toArray(), t, t + 1, "step " + t);
        }
        // Single steps never go through the fused kernels.
        assertEquals(1, ops.applied);

        // After a reset the cache serves a new sequence from position 0.
        cache.reset();
        assertEquals(0, cache.length());
        x.assertRows(want, layer.decode(x.input(ops, 0, 1), cache, NONE, "dense").value()
                .toArray(), 0, 1, "after reset");
    }

    @ParameterizedTest(name = "{0} window={1}")
    @CsvSource({"JAVA, 0", "JAVA, 9", "OPENCL, 0", "OPENCL, 9"})
    void aPrefillThenStepsReproducesTheForward(BackendKind backend, int window) {
        if (backend == BackendKind.OPENCL) {
            requireOpenCl();
        }
        AttentionShape shape = new AttentionShape(2, 64, 4, 2, 16, 128);
        int length = 80;
        Sequences x = new Sequences(3, length, shape, 77 + window);
        StubOps ops = new StubOps(backend);
        AttentionLayer layer = layer(shape, window);
        float[] want = layer.forward(x.input(ops, 0, length), NONE, "dense").output().value()
                .toArray();
        KvCache cache = layer.newCache(3, 100);
        // A prompt of 70 positions at once runs the fused kernels, outside the graph.
        x.assertRows(want, layer.decode(x.input(ops, 0, 70), cache, NONE, "dense").value()
                .toArray(), 0, 70, "prefill");
        assertEquals(2, ops.applied);
        assertEquals(1, ops.appliedWithoutGrad);
        for (int t = 70; t < 75; t++) {
            x.assertRows(want, layer.decode(x.input(ops, t, t + 1), cache, NONE, "dense")
                    .value().toArray(), t, t + 1, "step " + t);
        }
        // A chunk of several positions into a filled cache: causal within the chunk.
        x.assertRows(want, layer.decode(x.input(ops, 75, 80), cache, NONE, "dense").value()
                .toArray(), 75, 80, "chunk");
        assertEquals(80, cache.length());
    }

    @Test
    void positionsMustContinueTheCache() {
        AttentionShape shape = new AttentionShape(4, 32, 2, 1, 8, 32);
        Sequences x = new Sequences(2, 10, shape, 3);
        StubOps ops = new StubOps(BackendKind.JAVA);
        AttentionLayer layer = layer(shape, 0);
        KvCache cache = layer.newCache(2, 10);
        layer.decode(x.input(ops, 0, 3), cache, NONE, "dense");
        IllegalArgumentException skipped = assertThrows(IllegalArgumentException.class,
                () -> layer.decode(x.input(ops, 4, 5), cache, NONE, "dense"));
        assertTrue(skipped.getMessage().contains("full attention layer 4: decode positions [4] "
                + "do not continue the cache, which holds 3 positions; expected [3]"),
                skipped::getMessage);
        AttentionInput repeated = x.input(ops, 3, 5, IntTensor.vector(2, 3));
        assertThrows(IllegalArgumentException.class,
                () -> layer.decode(repeated, cache, NONE, "dense"));
        assertEquals(3, cache.length());
        // One row of positions per sequence is accepted too.
        layer.decode(x.input(ops, 3, 5, IntTensor.of(new int[] {3, 4, 3, 4}, 2, 2)), cache,
                NONE, "dense");
        assertEquals(5, cache.length());
        AttentionInput uneven = x.input(ops, 5, 6, IntTensor.of(new int[] {5, 6}, 2, 1));
        assertThrows(IllegalArgumentException.class,
                () -> layer.decode(uneven, cache, NONE, "dense"));
    }

    @Test
    void aFullCacheRefusesMorePositions() {
        AttentionShape shape = new AttentionShape(0, 32, 2, 2, 8, 32);
        Sequences x = new Sequences(1, 8, shape, 4);
        StubOps ops = new StubOps(BackendKind.JAVA);
        AttentionLayer layer = layer(shape, 0);
        KvCache cache = layer.newCache(1, 5);
        layer.decode(x.input(ops, 0, 4), cache, NONE, "dense");
        IllegalStateException overflow = assertThrows(IllegalStateException.class,
                () -> layer.decode(x.input(ops, 4, 6), cache, NONE, "dense"));
        assertTrue(overflow.getMessage().contains("2 more positions after the 4 cached would "
                + "exceed its capacity of 5"), overflow::getMessage);
        assertEquals(4, cache.length());
        layer.decode(x.input(ops, 4, 5), cache, NONE, "dense");
        assertThrows(IllegalStateException.class,
                () -> layer.decode(x.input(ops, 5, 6), cache, NONE, "dense"));
        assertThrows(IllegalArgumentException.class, () -> layer.newCache(0, 5));
        assertThrows(IllegalArgumentException.class, () -> layer.newCache(1, 0));
    }

    @Test
    void modesShapesAndCachesAreChecked() {
        AttentionShape shape = new AttentionShape(5, 32, 4, 2, 8, 32);
        Sequences x = new Sequences(2, 6, shape, 5);
        StubOps ops = new StubOps(BackendKind.JAVA);
        AttentionLayer layer = layer(shape, 0);
        assertEquals(Set.of("dense"), layer.modes());
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(x.input(ops, 0, 6), NONE, "sparse"));
        assertTrue(mode.getMessage().contains("unknown mode 'sparse'"), mode::getMessage);
        KvCache cache = layer.newCache(2, 6);
        assertThrows(IllegalArgumentException.class,
                () -> layer.decode(x.input(ops, 0, 1), cache, NONE, "sparse"));

        // A layer of another shape: the tensors do not fit.
        AttentionLayer other = layer(new AttentionShape(5, 32, 4, 4, 8, 32), 0);
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class,
                () -> other.forward(x.input(ops, 0, 6), NONE, "dense"));
        assertTrue(shapes.getMessage().contains("full attention layer 5: expected q [B, T, 4, 8] "
                + "and k, v [B, T, 4, 8]; found q [2, 6, 4, 8], k [2, 6, 2, 8]"),
                shapes::getMessage);
        assertThrows(IllegalArgumentException.class,
                () -> other.decode(x.input(ops, 0, 1), other.newCache(2, 6), NONE, "dense"));
        assertThrows(IllegalArgumentException.class,
                () -> layer.decode(x.input(ops, 0, 1), other.newCache(2, 6), NONE, "dense"));
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> layer.decode(x.input(ops, 0, 1), layer.newCache(3, 6), NONE, "dense"));
        assertTrue(batch.getMessage().contains("with B = 3"), batch::getMessage);
        KvCache foreign = new KvCache() {
            @Override
            public int length() {
                return 0;
            }

            @Override
            public void reset() {
            }
        };
        assertThrows(IllegalArgumentException.class,
                () -> layer.decode(x.input(ops, 0, 1), foreign, NONE, "dense"));
    }

    private static AttentionLayer layer(AttentionShape shape, int window) {
        return new FullAttentionPlugin().create(shape,
                PluginConfig.of(Map.of("window", window), "test"));
    }

    private static void requireOpenCl() {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(OpenClFullAttention.isAvailable(),
                    "CI=true but no OpenCL device: the OpenCL path must be exercised in CI");
        } else {
            assumeTrue(OpenClFullAttention.isAvailable(), "no OpenCL device");
        }
    }

    /** Random q, k, v for a batch of sequences, {@code [B, T, H, D]}. */
    static final class Sequences {
        final int batch;
        final int length;
        final int heads;
        final int kvHeads;
        final int dim;
        final float[] q;
        final float[] k;
        final float[] v;

        Sequences(int batch, int length, AttentionShape shape, long seed) {
            this.batch = batch;
            this.length = length;
            this.heads = shape.heads();
            this.kvHeads = shape.kvHeads();
            this.dim = shape.headDim();
            SplittableRandom random = new SplittableRandom(seed);
            q = gaussian(random, batch * length * heads * dim, 2.0);
            k = gaussian(random, batch * length * kvHeads * dim, 1.0);
            v = gaussian(random, batch * length * kvHeads * dim, 1.0);
        }

        /** Positions {@code from .. to - 1} of every sequence, as a layer input. */
        AttentionInput input(StubOps ops, int from, int to) {
            return input(ops, from, to, IntTensor.vector(IntStream.range(from, to).toArray()));
        }

        AttentionInput input(StubOps ops, int from, int to, IntTensor positions) {
            int n = to - from;
            return new AttentionInput(ops.variable(new float[batch * n], batch, n, 1),
                    ops.variable(positions(q, from, to, heads), batch, n, heads, dim),
                    ops.variable(positions(k, from, to, kvHeads), batch, n, kvHeads, dim),
                    ops.variable(positions(v, from, to, kvHeads), batch, n, kvHeads, dim),
                    positions);
        }

        /** Sequence {@code b}, positions {@code from .. to - 1}, of {@code x [B, T, h, D]}. */
        float[] slice(float[] x, int b, int from, int to, int h) {
            int row = h * dim;
            return Arrays.copyOfRange(x, (b * length + from) * row, (b * length + to) * row);
        }

        private float[] positions(float[] x, int from, int to, int h) {
            int row = h * dim;
            float[] out = new float[batch * (to - from) * row];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(x, (b * length + from) * row, out, b * (to - from) * row,
                        (to - from) * row);
            }
            return out;
        }

        /** {@code got [B, to - from, Hq, D]} against rows {@code from .. to - 1} of forward o. */
        void assertRows(float[] forward, float[] got, int from, int to, String what) {
            float[] want = positions(forward, from, to, heads);
            assertEquals(want.length, got.length, what);
            for (int i = 0; i < want.length; i++) {
                if (!(Math.abs(want[i] - got[i]) <= TOLERANCE * (1 + Math.abs(want[i])))) {
                    fail(what + ": flat index " + i + " want " + want[i] + " got " + got[i]);
                }
            }
        }

        private static float[] gaussian(SplittableRandom random, int n, double sigma) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (random.nextGaussian() * sigma);
            }
            return x;
        }
    }
}
