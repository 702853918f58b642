package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.testkit.TestBackends;

/**
 * The sparse layer on the OpenCL backend, where its selection, attention and sparse decode
 * steps run on the device: the same output and indexer loss as on Java, and token-by-token
 * decoding that reproduces the parallel forward's rows. Skipped without an OpenCL device,
 * except under {@code CI=true}, where one must exist.
 */
class DsaLayerOpenClTest {
    private static final int BATCH = 2;
    private static final int TIME = 13;
    private static final int HIDDEN = 12;
    private static final int HEADS = 4;
    private static final int DIM = 8;
    private static final AttentionShape SHAPE = new AttentionShape(0, HIDDEN, HEADS, 2, DIM, 64);
    private static final PluginConfig CONFIG = PluginConfig.of(new HashMap<>(Map.of("top_k", 5,
            "index_heads", 2, "index_dim", 8, "rope_dim", 4)), "test");

    private static Backend java;
    private static Backend openCl;

    @BeforeAll
    static void openTheBackends() {
        TestBackends.requireOpenCl(OpenClDsaKernel.isAvailable(), "the DSA layer");
        java = Backends.open(BackendKind.JAVA);
        openCl = Backends.open(BackendKind.OPENCL);
    }

    @AfterAll
    static void closeTheBackends() {
        if (openCl != null) {
            openCl.close();
        }
        if (java != null) {
            java.close();
        }
        DsaFunction.releaseOpenCl();
    }

    /** A layer, its parameters and inputs on one backend, from fixed seeds. */
    private record Setup(Ops ops, DsaLayer layer, Parameters parameters, AttentionInput input) {
        static Setup on(Backend backend) {
            Autograd ops = new Autograd(backend);
            DsaPlugin plugin = new DsaPlugin();
            Parameters parameters = new ParameterStore(ops, 3).create(
                    "model.layers.0.self_attn.", plugin.parameterSpecs(SHAPE, CONFIG));
            // Indexer weights of order 1, so that its scores spread and select different keys.
            for (String name : List.of(Indexer.WQ, Indexer.WK, Indexer.WEIGHTS)) {
                float[] values = DenseTensor.of(parameters.get(name).value()).data();
                for (int i = 0; i < values.length; i++) {
                    values[i] *= 25;
                }
            }
            SplitMix64 random = SplitMix64.seeded(23);
            AttentionInput input = new AttentionInput(
                    gaussian(ops, random, BATCH, TIME, HIDDEN),
                    gaussian(ops, random, BATCH, TIME, HEADS, DIM),
                    gaussian(ops, random, BATCH, TIME, 2, DIM),
                    gaussian(ops, random, BATCH, TIME, 2, DIM),
                    IntTensor.vector(IntStream.range(0, TIME).toArray()));
            return new Setup(ops, (DsaLayer) plugin.create(SHAPE, CONFIG), parameters, input);
        }

        AttentionOutput forward() {
            return layer.forward(input, parameters, DsaLayer.SPARSE);
        }
    }

    @Test
    void theSparseForwardIsTheOneOnJava() {
        Setup onJava = Setup.on(java);
        Setup onDevice = Setup.on(openCl);
        for (String name : onJava.parameters.names()) {
            assertArraysClose(onJava.parameters.get(name).value().toArray(),
                    onDevice.parameters.get(name).value().toArray(), "parameter " + name);
        }
        AttentionOutput want = onJava.forward();
        AttentionOutput got = onDevice.forward();
        assertArraysClose(want.output().value().toArray(), got.output().value().toArray(), "o");
        assertArraysClose(want.auxiliaryLosses().get(DsaLayer.INDEXER_LOSS).value().toArray(),
                got.auxiliaryLosses().get(DsaLayer.INDEXER_LOSS).value().toArray(),
                "indexer loss");
    }

    @Test
    void decodingTokenByTokenGivesTheForwardRows() {
        Setup setup = Setup.on(openCl);
        Ops ops = setup.ops;
        AttentionInput all = setup.input;
        float[] parallel = setup.forward().output().value().toArray();
        KvCache cache = setup.layer.newCache(BATCH, TIME);
        // A prompt of 4 positions at once, then one position per step.
        int[] cuts = IntStream.concat(IntStream.of(0), IntStream.rangeClosed(4, TIME)).toArray();
        for (int c = 0; c + 1 < cuts.length; c++) {
            int from = cuts[c];
            int to = cuts[c + 1];
            AttentionInput step = new AttentionInput(ops.slice(all.hidden(), 1, from, to),
                    ops.slice(all.q(), 1, from, to), ops.slice(all.k(), 1, from, to),
                    ops.slice(all.v(), 1, from, to),
                    IntTensor.vector(IntStream.range(from, to).toArray()));
            float[] rows = setup.layer.decode(step, cache, setup.parameters, DsaLayer.SPARSE)
                    .value().toArray();
            int width = (to - from) * HEADS * DIM;
            for (int b = 0; b < BATCH; b++) {
                for (int i = 0; i < width; i++) {
                    assertEquals(parallel[(b * TIME + from) * HEADS * DIM + i],
                            rows[b * width + i], 1e-5, "sequence " + b + " positions " + from
                                    + ".." + to);
                }
            }
        }
    }

    private static Variable gaussian(Ops ops, SplitMix64 random, int... shape) {
        float[] values = new float[IntStream.of(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return ops.leaf(ops.tensor(values, shape));
    }

    private static void assertArraysClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])),
                    what + " at " + i);
        }
    }
}
