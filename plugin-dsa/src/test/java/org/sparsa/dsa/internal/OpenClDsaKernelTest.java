package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.testkit.GoldenCases;
import org.sparsa.testkit.OpGradientCheck;
import org.sparsa.testkit.TestBackends;

/**
 * {@link OpenClDsaKernel} against the Java {@link DsaKernel} over the shapes that reach the edge
 * cases (GQA, MQA, rows that see at most top_k keys, one query, queries past the first key):
 * the same selection (identical where the scores are exact, else differing only between keys
 * whose scores agree to float rounding), outputs and gradients up to float rounding;
 * bit-identical reruns; {@link DsaFunction} on the OpenCL backend against itself on Java and
 * against finite differences; the golden case through the device. Skipped without an OpenCL
 * device, except under {@code CI=true}, where one must exist.
 */
class OpenClDsaKernelTest {
    /** Outputs and gradients may differ by this, absolute up to 1 and relative above. */
    private static final double TOLERANCE = 1e-5;

    private static OpenClDsaKernel device;

    /**
     * A case: {@code queries} rows at positions {@code first ..}, over {@code first + queries}
     * keys.
     */
    record Case(String name, int queries, int first, int queryHeads, int kvHeads, int dim,
            int indexHeads, int indexDim, int topK) {
        int keys() {
            return first + queries;
        }

        DsaKernel.Sizes sizes() {
            return new DsaKernel.Sizes(queries, keys(), queryHeads, kvHeads, dim, topK);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A case's inputs in the kernels' layouts. */
    private record Inputs(float[] q, float[] k, float[] v, float[] qi, float[] ki, float[] w,
            float[] dout) {
        static Inputs random(Case c, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int queries = c.queries * c.queryHeads * c.dim;
            int keys = c.keys() * c.kvHeads * c.dim;
            return new Inputs(normal(random, queries), normal(random, keys),
                    normal(random, keys), normal(random, c.queries * c.indexHeads * c.indexDim),
                    normal(random, c.keys() * c.indexDim),
                    normal(random, c.queries * c.indexHeads), normal(random, queries));
        }

        /** These inputs with small-integer qi, ki and w, whose index scores are exact. */
        Inputs withIntegerIndex(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            return new Inputs(q, k, v, integers(random, qi.length), integers(random, ki.length),
                    integers(random, w.length), dout);
        }
    }

    @BeforeAll
    static void openTheDevice() {
        TestBackends.requireOpenCl(OpenClDsaKernel.isAvailable(), "the DSA kernels");
        device = new OpenClDsaKernel();
    }

    @AfterAll
    static void closeTheDevice() {
        if (device != null) {
            device.close();
        }
        DsaFunction.releaseOpenCl();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("gqa", 37, 0, 4, 2, 8, 2, 8, 7),
                new Case("mqa, D not a multiple of 4", 29, 0, 3, 1, 6, 3, 4, 5),
                new Case("T < top_k", 6, 0, 2, 1, 4, 2, 4, 8),
                new Case("T = top_k", 12, 0, 4, 2, 4, 1, 4, 12),
                new Case("length 1", 1, 0, 2, 1, 4, 2, 4, 4),
                new Case("top_k 1", 20, 0, 2, 2, 4, 2, 4, 1),
                new Case("first > 0", 5, 20, 4, 2, 8, 2, 8, 6),
                new Case("first > 0, rows within top_k", 4, 3, 2, 1, 4, 2, 4, 6),
                new Case("long rows", 150, 0, 2, 1, 8, 4, 16, 16))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void selectsAsTheJavaKernel(Case c) {
        Inputs in = Inputs.random(c, c.queries * 31L + c.first);
        int[] expected = DsaKernel.select(c.queries, c.first, c.indexHeads, c.indexDim, c.topK,
                in.qi, in.ki, in.w);
        int[] found = device.select(c.queries, c.first, c.indexHeads, c.indexDim, c.topK,
                in.qi, in.ki, in.w);
        assertSameChoice(c, in, expected, found);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exactScoresSelectExactlyAsTheJavaKernel(Case c) {
        // Small integers make every score exact in any order of summation, and make many of
        // them tie, so the choice, ties to the lower key included, must be the same id for id.
        Inputs in = Inputs.random(c, 1).withIntegerIndex(c.queries * 17L + c.topK);
        assertArrayEquals(DsaKernel.select(c.queries, c.first, c.indexHeads, c.indexDim,
                c.topK, in.qi, in.ki, in.w), device.select(c.queries, c.first, c.indexHeads,
                c.indexDim, c.topK, in.qi, in.ki, in.w), c + ": selected keys");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void attendsAsTheJavaKernel(Case c) {
        DsaKernel.Sizes sizes = c.sizes();
        Inputs in = Inputs.random(c, c.queries * 37L + c.dim);
        int[] selected = DsaKernel.select(c.queries, c.first, c.indexHeads, c.indexDim, c.topK,
                in.qi, in.ki, in.w);
        DsaKernel.Forward expected = DsaKernel.forward(sizes, in.q, in.k, in.v, selected);
        DsaKernel.Gradients expectedGradients = DsaKernel.backward(sizes, in.q, in.k, in.v,
                selected, expected, in.dout);
        DsaKernel.Forward found = device.forward(sizes, in.q, in.k, in.v, selected);
        DsaKernel.Gradients gradients = device.backward(sizes, in.q, in.k, in.v, selected,
                found, in.dout);
        assertClose(c + ": o", expected.o(), found.o());
        assertClose(c + ": lse", expected.lse(), found.lse());
        assertClose(c + ": dq", expectedGradients.dq(), gradients.dq());
        assertClose(c + ": dk", expectedGradients.dk(), gradients.dk());
        assertClose(c + ": dv", expectedGradients.dv(), gradients.dv());
    }

    @Test
    void twoRunsAreBitIdentical() {
        Case c = new Case("gqa", 70, 0, 4, 2, 8, 2, 8, 9);
        DsaKernel.Sizes sizes = c.sizes();
        Inputs in = Inputs.random(c, 7);
        int[] selected = device.select(c.queries, c.first, c.indexHeads, c.indexDim, c.topK,
                in.qi, in.ki, in.w);
        assertArrayEquals(selected, device.select(c.queries, c.first, c.indexHeads, c.indexDim,
                c.topK, in.qi, in.ki, in.w), "selected");
        DsaKernel.Forward first = device.forward(sizes, in.q, in.k, in.v, selected);
        DsaKernel.Forward second = device.forward(sizes, in.q, in.k, in.v, selected);
        assertArrayEquals(first.o(), second.o(), "o");
        assertArrayEquals(first.lse(), second.lse(), "lse");
        DsaKernel.Gradients a = device.backward(sizes, in.q, in.k, in.v, selected, first,
                in.dout);
        DsaKernel.Gradients b = device.backward(sizes, in.q, in.k, in.v, selected, first,
                in.dout);
        assertArrayEquals(a.dq(), b.dq(), "dq");
        assertArrayEquals(a.dk(), b.dk(), "dk");
        assertArrayEquals(a.dv(), b.dv(), "dv");
    }

    @Test
    void wrongSizesAndClosedInstancesAreRefused() {
        Case c = new Case("small", 9, 0, 2, 1, 4, 2, 4, 3);
        DsaKernel.Sizes sizes = c.sizes();
        Inputs in = Inputs.random(c, 31);
        int[] selected = device.select(c.queries, 0, c.indexHeads, c.indexDim, c.topK, in.qi,
                in.ki, in.w);
        assertThrows(IllegalArgumentException.class, () -> device.select(c.queries, 1,
                c.indexHeads, c.indexDim, c.topK, in.qi, in.ki, in.w));
        assertThrows(IllegalArgumentException.class, () -> device.forward(sizes, in.q,
                new float[1], in.v, selected));
        int[] pastTheEnd = selected.clone();
        pastTheEnd[0] = c.keys();
        assertThrows(IllegalArgumentException.class, () -> device.forward(sizes, in.q, in.k,
                in.v, pastTheEnd));
        OpenClDsaKernel closed = new OpenClDsaKernel();
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.forward(sizes, in.q, in.k, in.v,
                selected));
    }

    @Test
    void theFunctionOnTheOpenClBackendMatchesItOnJava() {
        Case c = new Case("batch of two", 19, 0, 4, 2, 4, 2, 4, 5);
        // Exact index scores: both backends must choose the same keys.
        Inputs first = Inputs.random(c, 41).withIntegerIndex(43);
        Inputs second = Inputs.random(c, 42).withIntegerIndex(44);
        float[][] java;
        try (Backend backend = Backends.open(BackendKind.JAVA)) {
            java = functionGradients(new Autograd(backend), c, first, second);
        }
        float[][] openCl;
        try (Backend backend = Backends.open(BackendKind.OPENCL)) {
            openCl = functionGradients(new Autograd(backend), c, first, second);
        }
        assertArrayEquals(java[0], openCl[0], "selected");
        String[] names = {"selected", "o", "dq", "dk", "dv"};
        for (int i = 1; i < names.length; i++) {
            assertClose(names[i], java[i], openCl[i]);
        }
    }

    @Test
    void theFunctionOnTheOpenClBackendMatchesFiniteDifferences() {
        Case c = new Case("gqa", 9, 0, 4, 2, 4, 2, 4, 3);
        try (Backend backend = Backends.open(BackendKind.OPENCL)) {
            Autograd ops = new Autograd(backend);
            Inputs in = Inputs.random(c, 50);
            int[] selected = DsaFunction.select(BackendKind.OPENCL, c.queries, 0, c.indexHeads,
                    c.indexDim, c.topK, in.qi, in.ki, in.w);
            OpGradientCheck.of(ops, x -> DsaFunction.attend(x.get(0), x.get(1), x.get(2),
                    selected, c.topK)).check(ops.tensor(in.q, c.queries, c.queryHeads, c.dim),
                    ops.tensor(in.k, c.keys(), c.kvHeads, c.dim),
                    ops.tensor(in.v, c.keys(), c.kvHeads, c.dim));
        }
    }

    @Test
    void theGoldenCasePassesThroughTheOpenClBackend(@TempDir Path folder) throws Exception {
        Path file = GoldenCases.copyResource(getClass(), "/golden/dsa-small.safetensors", folder);
        GoldenCases.assertPasses(file, "attention.dsa", new DsaGoldenOp(), BackendKind.OPENCL);
    }

    /**
     * The selection through {@link DsaFunction#select}, then o and the gradients of q, k and v
     * of {@code sum(o * dout)} through {@link DsaFunction} on a batch of two sequences: selected
     * (as floats), o, dq, dk, dv.
     */
    private static float[][] functionGradients(Autograd ops, Case c, Inputs a, Inputs b) {
        BackendKind backend = ops.backend();
        int[] first = DsaFunction.select(backend, c.queries, 0, c.indexHeads, c.indexDim,
                c.topK, a.qi, a.ki, a.w);
        int[] second = DsaFunction.select(backend, c.queries, 0, c.indexHeads, c.indexDim,
                c.topK, b.qi, b.ki, b.w);
        int[] selected = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, selected, first.length, second.length);
        Variable q = ops.leaf(ops.tensor(join(a.q, b.q), 2, c.queries, c.queryHeads, c.dim));
        Variable k = ops.leaf(ops.tensor(join(a.k, b.k), 2, c.keys(), c.kvHeads, c.dim));
        Variable v = ops.leaf(ops.tensor(join(a.v, b.v), 2, c.keys(), c.kvHeads, c.dim));
        Variable o = DsaFunction.attend(q, k, v, selected, c.topK);
        ops.sum(ops.mul(o, ops.constant(join(a.dout, b.dout), 2, c.queries, c.queryHeads,
                c.dim)), false).backward();
        float[] ids = new float[selected.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = selected[i];
        }
        return new float[][] {ids, o.value().toArray(), q.grad().orElseThrow().toArray(),
            k.grad().orElseThrow().toArray(), v.grad().orElseThrow().toArray()};
    }

    /**
     * The same number of keys per row, and where the two choices differ, every key chosen by
     * one alone scores within float rounding of the last key the Java kernel kept: only keys
     * that tie up to rounding may trade places.
     */
    private static void assertSameChoice(Case c, Inputs in, int[] expected, int[] found) {
        assertEquals(expected.length, found.length, c + ": selected length");
        for (int t = 0; t < c.queries; t++) {
            int[] want = Arrays.copyOfRange(expected, t * c.topK, (t + 1) * c.topK);
            int[] got = Arrays.copyOfRange(found, t * c.topK, (t + 1) * c.topK);
            if (Arrays.equals(want, got)) {
                continue;
            }
            assertEquals(Arrays.stream(want).filter(s -> s >= 0).count(),
                    Arrays.stream(got).filter(s -> s >= 0).count(), c + ": keys of row " + t);
            for (int i = 1; i < c.topK; i++) {
                assertTrue(got[i] < 0 || got[i] > got[i - 1], c + ": row " + t
                        + " is not ascending: " + Arrays.toString(got));
            }
            double threshold = Double.POSITIVE_INFINITY;
            for (int s : want) {
                if (s >= 0) {
                    threshold = Math.min(threshold, score(c, in, t, s));
                }
            }
            for (int s : symmetricDifference(want, got)) {
                double score = score(c, in, t, s);
                double error = Math.abs(score - threshold) / Math.max(1, Math.abs(threshold));
                assertTrue(error <= TOLERANCE, c + ": row " + t + " chose " + Arrays.toString(got)
                        + " instead of " + Arrays.toString(want) + "; key " + s + " scores "
                        + score + " against the threshold " + threshold);
            }
        }
    }

    private static int[] symmetricDifference(int[] a, int[] b) {
        return Stream.of(Arrays.stream(a).filter(s -> s >= 0
                        && Arrays.stream(b).noneMatch(x -> x == s)),
                Arrays.stream(b).filter(s -> s >= 0 && Arrays.stream(a).noneMatch(x -> x == s)))
                .flatMapToInt(x -> x).toArray();
    }

    /** {@code I[t,s]} in double. */
    private static double score(Case c, Inputs in, int t, int s) {
        double score = 0;
        for (int j = 0; j < c.indexHeads; j++) {
            double dot = 0;
            for (int d = 0; d < c.indexDim; d++) {
                dot += (double) in.qi[(t * c.indexHeads + j) * c.indexDim + d]
                        * in.ki[s * c.indexDim + d];
            }
            score += in.w[t * c.indexHeads + j] * Math.max(dot, 0);
        }
        return score;
    }

    private static float[] join(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Integers in [-3, 3]. */
    private static float[] integers(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextInt(-3, 4);
        }
        return x;
    }

    private static float[] normal(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: the test needs a spread of scores, not a particular distribution.
            double u = 1 - random.nextDouble();
            x[i] = (float) (Math.sqrt(-2 * Math.log(u))
                    * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return x;
    }

    /** Equal within the tolerance, absolute up to 1 and relative above; equal infinities too. */
    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == actual[i]) {
                continue;
            }
            double error = Math.abs(expected[i] - actual[i]) / Math.max(1, Math.abs(expected[i]));
            int at = i;
            assertTrue(error <= TOLERANCE, () -> what + ": error " + error + " at " + at
                    + ", expected " + expected[at] + ", found " + actual[at]);
        }
    }
}
