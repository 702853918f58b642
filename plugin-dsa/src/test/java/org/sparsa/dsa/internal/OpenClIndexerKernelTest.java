package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aparapi.Kernel;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.testkit.TestBackends;

/**
 * {@link OpenClIndexerKernel} against the Java {@link IndexerKernel} over the shapes that reach
 * the edge cases (each row's KL and statistics, and the gradients of qi, ki and w up to float
 * rounding), {@link IndexerLossFunction} on the OpenCL backend against itself on Java, and
 * bit-identical reruns. Skipped without an OpenCL device, except under {@code CI=true}, where
 * one must exist.
 */
class OpenClIndexerKernelTest {
    /** Values may differ by this, absolute up to 1 and relative above. */
    private static final double TOLERANCE = 1e-5;
    /** The loss's gradient per row the backward is given. */
    private static final float ROW_GRADIENT = 0.37f;

    private static OpenClIndexerKernel device;

    /** A case: the kernel's sizes, the teacher head width D among them. */
    record Case(String name, int length, int queryHeads, int kvHeads, int dim, int indexHeads,
            int indexDim, int topK) {
        IndexerKernel.Sizes sizes() {
            return new IndexerKernel.Sizes(length, queryHeads, kvHeads, dim, indexHeads,
                    indexDim, topK);
        }

        /** Random inputs from {@code seed}, the selection by the streaming top-k. */
        IndexerKernel.Inputs inputs(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            float[] q = normal(random, length * queryHeads * dim, 1);
            float[] k = normal(random, length * kvHeads * dim, 1);
            float[] qi = normal(random, length * indexHeads * indexDim, 1);
            float[] ki = normal(random, length * indexDim, 1);
            // Weights wide enough that the student's softmax is far from flat.
            float[] w = normal(random, length * indexHeads, 2);
            int[] selected = topK == 0 ? new int[0]
                    : DsaKernel.select(length, 0, indexHeads, indexDim, topK, qi, ki, w);
            return new IndexerKernel.Inputs(q, k, qi, ki, w, selected);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void openTheDevice() {
        TestBackends.requireOpenCl(OpenClIndexerKernel.isAvailable(), "the indexer loss kernel");
        device = new OpenClIndexerKernel();
    }

    @AfterAll
    static void closeTheDevice() {
        if (device != null) {
            device.close();
        }
        IndexerLossFunction.releaseOpenCl();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("dense, gqa", 37, 4, 2, 8, 3, 8, 0),
                new Case("dense, mqa, widths not a multiple of 4", 29, 3, 1, 6, 2, 5, 0),
                new Case("dense, T = 1", 1, 2, 1, 4, 2, 4, 0),
                new Case("dense, long rows", 150, 2, 1, 8, 2, 8, 0),
                new Case("sparse, gqa", 37, 4, 2, 8, 3, 8, 7),
                new Case("sparse, mqa", 41, 4, 1, 8, 2, 4, 5),
                new Case("sparse, T <= top_k", 12, 2, 1, 4, 2, 4, 16),
                new Case("sparse, T = top_k", 9, 2, 2, 4, 1, 4, 9),
                new Case("sparse, T = 1", 1, 2, 1, 4, 2, 4, 3),
                new Case("sparse, top_k 1", 23, 2, 1, 4, 2, 4, 1),
                new Case("sparse, long rows", 150, 4, 2, 8, 2, 8, 40))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheJavaKernel(Case c) {
        IndexerKernel.Sizes sizes = c.sizes();
        IndexerKernel.Inputs in = c.inputs(c.length * 31L + c.topK);
        IndexerKernel.Forward expected = IndexerKernel.forward(sizes, in);
        IndexerKernel.Gradients expectedGradients = IndexerKernel.backward(sizes, in, expected,
                ROW_GRADIENT);
        IndexerKernel.Forward found = device.forward(sizes, in);
        IndexerKernel.Gradients gradients = device.backward(sizes, in, found, ROW_GRADIENT);
        assertClose(c + ": kl", expected.kl(), found.kl());
        assertClose(c + ": teacherLse", expected.teacherLse(), found.teacherLse());
        assertClose(c + ": studentLse", expected.studentLse(), found.studentLse());
        assertClose(c + ": dqi", expectedGradients.dqi(), gradients.dqi());
        assertClose(c + ": dki", expectedGradients.dki(), gradients.dki());
        assertClose(c + ": dw", expectedGradients.dw(), gradients.dw());
        if (c.length == 1 || c.topK == 1) {
            // One key per row: teacher and student are both certain of it, exactly.
            assertArrayEquals(new float[c.length], found.kl(), c + ": kl");
            assertArrayEquals(new float[in.w().length], gradients.dw(), c + ": dw");
        } else {
            // Not vacuous: the student differs from the teacher, so neither the loss nor the
            // gradients vanish.
            assertTrue(Arrays.stream(toDoubles(found.kl())).sum() > 0, c + ": a row's loss");
            assertTrue(Arrays.stream(toDoubles(gradients.dw())).anyMatch(x -> x != 0),
                    c + ": a weight's gradient");
        }
    }

    @ParameterizedTest(name = "top_k {0}")
    @ValueSource(ints = {0, 6})
    void twoRunsAreBitIdentical(int topK) {
        Case c = new Case("rerun", 90, 4, 2, 8, 2, 8, topK);
        IndexerKernel.Sizes sizes = c.sizes();
        IndexerKernel.Inputs in = c.inputs(7 + topK);
        IndexerKernel.Forward first = device.forward(sizes, in);
        IndexerKernel.Forward second = device.forward(sizes, in);
        assertArrayEquals(first.kl(), second.kl(), "kl");
        assertArrayEquals(first.teacherLse(), second.teacherLse(), "teacherLse");
        assertArrayEquals(first.studentLse(), second.studentLse(), "studentLse");
        IndexerKernel.Gradients a = device.backward(sizes, in, first, ROW_GRADIENT);
        IndexerKernel.Gradients b = device.backward(sizes, in, first, ROW_GRADIENT);
        assertArrayEquals(a.dqi(), b.dqi(), "dqi");
        assertArrayEquals(a.dki(), b.dki(), "dki");
        assertArrayEquals(a.dw(), b.dw(), "dw");
    }

    /**
     * Inside an OSGi bundle Aparapi cannot read the code of a kernel's superclass (it looks on
     * the system class path), so a shared base class builds in these tests and fails in the
     * distribution: each kernel must extend Aparapi's Kernel itself.
     */
    @Test
    void everyKernelExtendsAparapisKernelDirectly() {
        for (Class<?> kernel : new Class<?>[] {IndexerStatisticsKernel.class,
            IndexerRowGradientKernel.class, IndexerKeyGradientKernel.class}) {
            assertEquals(Kernel.class, kernel.getSuperclass(), kernel.getSimpleName());
        }
    }

    @Test
    void refusesInputsThatDoNotFitAndCallsAfterClose() {
        Case c = new Case("small", 9, 2, 1, 4, 2, 4, 3);
        IndexerKernel.Inputs in = c.inputs(31);
        IndexerKernel.Inputs shortKeys = new IndexerKernel.Inputs(in.q(), in.k(), in.qi(),
                new float[1], in.w(), in.selected());
        assertThrows(IllegalArgumentException.class, () -> device.forward(c.sizes(), shortKeys));
        IndexerKernel.Forward forward = device.forward(c.sizes(), in);
        IndexerKernel.Forward cut = new IndexerKernel.Forward(new float[1],
                forward.teacherLse(), forward.studentLse());
        assertThrows(IllegalArgumentException.class,
                () -> device.backward(c.sizes(), in, cut, 1f));
        OpenClIndexerKernel closed = new OpenClIndexerKernel();
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.forward(c.sizes(), in));
    }

    @ParameterizedTest(name = "top_k {0}")
    @ValueSource(ints = {0, 4})
    void theFunctionOnTheOpenClBackendMatchesItOnJava(int topK) {
        Case c = new Case("batch of two", 19, 4, 2, 4, 2, 4, topK);
        IndexerKernel.Inputs first = c.inputs(41);
        IndexerKernel.Inputs second = c.inputs(42);
        float[][] java;
        try (Backend backend = Backends.open(BackendKind.JAVA)) {
            java = functionGradients(new Autograd(backend), c, first, second);
        }
        float[][] openCl;
        try (Backend backend = Backends.open(BackendKind.OPENCL)) {
            openCl = functionGradients(new Autograd(backend), c, first, second);
        }
        String[] names = {"loss", "dqi", "dki", "dw"};
        for (int i = 0; i < names.length; i++) {
            assertClose(names[i], java[i], openCl[i]);
        }
    }

    /** The loss and the gradients of qi, ki and w through the function on a batch of two. */
    private static float[][] functionGradients(Autograd ops, Case c, IndexerKernel.Inputs a,
            IndexerKernel.Inputs b) {
        int t = c.length;
        Variable q = ops.constant(join(a.q(), b.q()), 2, t, c.queryHeads, c.dim);
        Variable k = ops.constant(join(a.k(), b.k()), 2, t, c.kvHeads, c.dim);
        Variable qi = ops.leaf(ops.tensor(join(a.qi(), b.qi()), 2, t, c.indexHeads,
                c.indexDim));
        Variable ki = ops.leaf(ops.tensor(join(a.ki(), b.ki()), 2, t, c.indexDim));
        Variable w = ops.leaf(ops.tensor(join(a.w(), b.w()), 2, t, c.indexHeads));
        int[] selected = Arrays.copyOf(a.selected(), a.selected().length + b.selected().length);
        System.arraycopy(b.selected(), 0, selected, a.selected().length, b.selected().length);
        Variable loss = c.topK == 0 ? IndexerLossFunction.dense(q, k, qi, ki, w)
                : IndexerLossFunction.sparse(q, k, qi, ki, w, selected, c.topK);
        ops.scale(loss, 3).backward();
        return new float[][] {loss.value().toArray(), qi.grad().orElseThrow().toArray(),
            ki.grad().orElseThrow().toArray(), w.grad().orElseThrow().toArray()};
    }

    private static float[] join(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] normal(SplittableRandom random, int n, double spread) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: the test needs a spread of scores, not a particular distribution.
            double u = 1 - random.nextDouble();
            x[i] = (float) (spread * Math.sqrt(-2 * Math.log(u))
                    * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return x;
    }

    private static double[] toDoubles(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    /** Equal within the tolerance, absolute up to 1 and relative above. */
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
