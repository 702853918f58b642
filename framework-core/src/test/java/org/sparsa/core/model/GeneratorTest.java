package org.sparsa.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.tensor.DenseTensor;

/**
 * Cached decoding against the full forward pass (on both backends; OpenCL is skipped without a
 * device, except under {@code CI=true}), and generation on top of it: the logits of a
 * prompt and then of one token at a time equal the forward's rows, the generated tokens'
 * log-probabilities and routing are what a forward over the result gives, and a seeded run
 * repeats.
 */
class GeneratorTest {
    private static final double TOLERANCE = 1e-4;
    private static final ModelConfig DENSE = ModelConfig.llama(11, 16, 2, 4, 2, 24)
            .withMaxSequence(24);
    private static final ModelConfig MOE = DENSE.withMoe(new MoeConfig(4, 2, true, 8,
            List.of(1)));

    @ParameterizedTest
    @EnumSource(value = BackendKind.class, names = {"JAVA", "OPENCL"})
    void cachedDecodingGivesTheForwardLogits(BackendKind backend) {
        if (backend == BackendKind.OPENCL) {
            LlamaGoldenTest.requireOpenCl();
        }
        for (ModelConfig config : List.of(DENSE, MOE)) {
            LlamaModel model = model(config, backend);
            IntTensor tokens = LlamaModelTest.tokens(2, 14, 9);
            ModelOutput full = model.forward(tokens);
            float[] want = full.logits().value().toArray();

            List<KvCache> caches = model.newCaches(2, 14);
            int[] ids = tokens.toArray();
            ModelOutput prefill = model.decode(slice(ids, 14, 0, 6), caches, null, null);
            assertFalse(prefill.logits().requiresGrad(), "decode must not record a graph");
            assertRows(want, prefill.logits(), 0, 6, "prefill");
            for (int t = 6; t < 14; t++) {
                ModelOutput step = model.decode(slice(ids, 14, t, t + 1), caches, null, null);
                assertRows(want, step.logits(), t, t + 1, "step " + t);
            }
            assertEquals(14, caches.get(1).length());
        }
    }

    @Test
    void greedyGenerationIsWhatTheForwardPredicts() {
        for (ModelConfig config : List.of(DENSE, MOE)) {
            LlamaModel model = model(config);
            IntTensor prompt = LlamaModelTest.tokens(3, 5, 2);
            Generation generation = new Generator(model).generate(prompt, 8, Sampler.greedy(),
                    new SplittableRandom(1), null);
            assertEquals(8, generation.steps().size());
            IntTensor tokens = generation.tokens();
            assertArrayEquals(new int[] {3, 13}, tokens.shape());

            ModelOutput full = model.forward(tokens);
            // The forward routes the tokens as generation did.
            assertEquals(full.routing(), generation.routing());
            float[] logits = full.logits().value().toArray();
            for (int s = 0; s < 8; s++) {
                GenerationStep step = generation.steps().get(s);
                for (int b = 0; b < 3; b++) {
                    float[] row = row(logits, 13, 11, b, 4 + s);
                    assertEquals(argmax(row), step.tokens()[b], "step " + s + " sequence " + b);
                    assertEquals(logSoftmax(row, step.tokens()[b]), step.logProbs()[b],
                            TOLERANCE);
                    assertEquals(0.0, step.samplerLogProbs()[b]);
                    assertNull(step.kept().get(b));
                }
            }
        }
    }

    @Test
    void aSeededRunRepeatsAndRecordsTheKeptTokens() {
        LlamaModel model = model(MOE);
        IntTensor prompt = LlamaModelTest.tokens(2, 4, 3);
        Sampler sampler = new Sampler(1.5, 5, 0.9);
        RandomGenerator seeded = new SplittableRandom(77);
        Generation first = new Generator(model).generate(prompt, 10, sampler, seeded, null);
        Generation again = new Generator(model).generate(prompt, 10, sampler,
                new SplittableRandom(77), null);
        assertArrayEquals(first.tokens().toArray(), again.tokens().toArray());
        assertEquals(first.routing(), again.routing());
        for (GenerationStep step : first.steps()) {
            for (int b = 0; b < 2; b++) {
                int[] kept = step.kept().get(b);
                assertTrue(kept.length >= 1 && kept.length <= 5, "top-k keeps at most 5");
                assertTrue(Arrays.binarySearch(kept, step.tokens()[b]) >= 0,
                        "the picked token is kept");
                assertTrue(step.samplerLogProbs()[b] <= 0);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Generator(model).generate(prompt,
                21, sampler, new SplittableRandom(1), null));
    }

    private static LlamaModel model(ModelConfig config) {
        return model(config, BackendKind.JAVA);
    }

    private static LlamaModel model(ModelConfig config, BackendKind backend) {
        ParameterStore store = new ParameterStore(new Autograd(Backends.open(backend)), 42);
        LlamaModel model = LlamaModelTest.model(config, store);
        SplittableRandom random = new SplittableRandom(5);
        for (String name : store.names()) {
            Variable p = store.get(name);
            float[] values = p.value().toArray();
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (name.endsWith("norm.weight") ? 1 + 0.1 * random.nextGaussian()
                        : 0.3 * random.nextGaussian());
            }
            store.replace(name, DenseTensor.wrap(values, p.shape()));
        }
        return model;
    }

    private static IntTensor slice(int[] ids, int length, int from, int to) {
        int batch = ids.length / length;
        int[] out = new int[batch * (to - from)];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ids, b * length + from, out, b * (to - from), to - from);
        }
        return IntTensor.of(out, batch, to - from);
    }

    private static void assertRows(float[] want, Variable got, int from, int to, String what) {
        int[] shape = got.shape();
        int batch = shape[0];
        int vocab = shape[2];
        int length = want.length / (batch * vocab);
        float[] values = got.value().toArray();
        for (int b = 0; b < batch; b++) {
            for (int t = from; t < to; t++) {
                for (int v = 0; v < vocab; v++) {
                    float w = want[(b * length + t) * vocab + v];
                    float g = values[(b * (to - from) + t - from) * vocab + v];
                    assertTrue(Math.abs(w - g) <= TOLERANCE * (1 + Math.abs(w)), what
                            + ": sequence " + b + " position " + t + " token " + v + " want " + w
                            + " got " + g);
                }
            }
        }
    }

    private static float[] row(float[] logits, int length, int vocab, int b, int t) {
        return Arrays.copyOfRange(logits, (b * length + t) * vocab,
                (b * length + t + 1) * vocab);
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            best = row[i] > row[best] ? i : best;
        }
        return best;
    }

    private static double logSoftmax(float[] row, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : row) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : row) {
            sum += Math.exp(x - max);
        }
        return row[token] - max - Math.log(sum);
    }
}
