package org.sparsa.nsa.internal;

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
import org.sparsa.core.attention.FullAttentionReference;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.testkit.GoldenCases;
import org.sparsa.testkit.TestBackends;

/**
 * {@link OpenClNsaKernel} against the Java {@link NsaKernel} over the shapes that reach the edge
 * cases (the same block choice, outputs and gradients up to float rounding), its window keys
 * read apart from the selected branch's (checked against double-precision full attention),
 * {@link NsaFunction} on the OpenCL backend against itself on Java, the golden case through it,
 * and bit-identical reruns.
 * Skipped without an OpenCL device, except under {@code CI=true}, where one must exist.
 */
class OpenClNsaKernelTest {
    /** Outputs and gradients may differ by this, absolute up to 1 and relative above. */
    private static final double TOLERANCE = 1e-5;

    private static OpenClNsaKernel device;

    /** A case: sizes and params. */
    record Case(String name, int length, int queryHeads, int kvHeads, int dim, NsaParams params) {
        NsaKernel.Sizes sizes() {
            return new NsaKernel.Sizes(length, queryHeads, kvHeads, dim, params);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A case's inputs: q, k, v, kc, vc, gates and dout, in the kernels' layouts. */
    private record Inputs(float[] q, float[] k, float[] v, float[] kc, float[] vc,
            float[] gates, float[] dout) {
        static Inputs random(NsaKernel.Sizes sizes, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int rows = sizes.length() * sizes.queryHeads();
            int keys = sizes.length() * sizes.kvHeads() * sizes.dim();
            int compressed = sizes.compressed() * sizes.kvHeads() * sizes.dim();
            float[] gates = new float[rows * 3];
            for (int i = 0; i < gates.length; i++) {
                gates[i] = (float) random.nextDouble(0.1, 0.9);
            }
            return new Inputs(normal(random, rows * sizes.dim()), normal(random, keys),
                    normal(random, keys), normal(random, compressed),
                    normal(random, compressed), gates, normal(random, rows * sizes.dim()));
        }
    }

    @BeforeAll
    static void openTheDevice() {
        TestBackends.requireOpenCl(OpenClNsaKernel.isAvailable(), "the NSA kernel");
        device = new OpenClNsaKernel();
    }

    @AfterAll
    static void closeTheDevice() {
        if (device != null) {
            device.close();
        }
        NsaFunction.releaseOpenCl();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("gqa, T not a multiple of blocks", 37, 4, 2, 8,
                        new NsaParams(4, 2, 8, 3, 6, 1, 2)),
                new Case("mqa, D not a multiple of 4", 29, 3, 1, 6,
                        new NsaParams(8, 4, 8, 4, 5, 1, 2)),
                new Case("T < l", 5, 2, 1, 4, new NsaParams(8, 4, 8, 3, 4, 1, 2)),
                new Case("T < l'", 12, 2, 2, 4, new NsaParams(4, 2, 16, 3, 3, 1, 2)),
                new Case("T = 1", 1, 2, 1, 4, new NsaParams(4, 2, 4, 3, 2, 1, 2)),
                new Case("window 1", 21, 2, 1, 4, new NsaParams(4, 2, 4, 3, 1, 1, 2)),
                new Case("window >= T", 23, 4, 1, 4, new NsaParams(4, 2, 4, 3, 50, 1, 2)),
                new Case("n >= blocks", 20, 2, 1, 4, new NsaParams(4, 2, 4, 8, 3, 1, 2)),
                new Case("no forced blocks", 26, 2, 1, 4, new NsaParams(4, 2, 4, 2, 3, 0, 0)),
                new Case("long rows", 150, 2, 1, 8, new NsaParams(4, 2, 8, 4, 70, 1, 2)),
                // Rows before the first whole compressed block score every block 0: the choice
                // among them is all ties, which go to the lower ids.
                new Case("tied blocks", 24, 2, 1, 4, new NsaParams(16, 4, 4, 3, 3, 0, 1)))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheJavaKernel(Case c) {
        NsaKernel.Sizes sizes = c.sizes();
        Inputs in = Inputs.random(sizes, c.length * 31L + c.dim);
        // The window reads keys and values of its own, as under independent_kv.
        float[] kWin = normal(new SplittableRandom(c.length * 37L), in.k.length);
        float[] vWin = normal(new SplittableRandom(c.length * 41L), in.v.length);
        NsaKernel.Forward expected = NsaKernel.forward(sizes, in.q, in.k, in.v, kWin, vWin,
                in.kc, in.vc, in.gates);
        NsaKernel.Gradients expectedGradients = NsaKernel.backward(sizes, in.q, in.k, in.v,
                kWin, vWin, in.kc, in.vc, in.gates, expected, in.dout, true, true);
        NsaKernel.Forward found = device.forward(sizes, in.q, in.k, in.v, kWin, vWin, in.kc,
                in.vc, in.gates);
        NsaKernel.Gradients gradients = device.backward(sizes, in.q, in.k, in.v, kWin, vWin,
                in.kc, in.vc, in.gates, found, in.dout, true, true);
        assertArrayEquals(expected.selected(), found.selected(), c + ": selected blocks");
        assertClose(c + ": o", expected.o(), found.o());
        assertClose(c + ": branches", expected.branches(), found.branches());
        assertClose(c + ": lse", expected.lse(), found.lse());
        assertClose(c + ": dq", expectedGradients.dq(), gradients.dq());
        assertClose(c + ": dk", expectedGradients.dk(), gradients.dk());
        assertClose(c + ": dkWin", expectedGradients.dkWin(), gradients.dkWin());
        assertClose(c + ": dv", expectedGradients.dv(), gradients.dv());
        assertClose(c + ": dvWin", expectedGradients.dvWin(), gradients.dvWin());
        assertClose(c + ": dkc", expectedGradients.dkc(), gradients.dkc());
        assertClose(c + ": dvc", expectedGradients.dvc(), gradients.dvc());
        assertClose(c + ": dgates", expectedGradients.dgates(), gradients.dgates());
    }

    @Test
    void twoRunsAreBitIdentical() {
        Case c = new Case("gqa", 70, 4, 2, 8, new NsaParams(8, 4, 8, 3, 12, 1, 2));
        NsaKernel.Sizes sizes = c.sizes();
        Inputs in = Inputs.random(sizes, 7);
        float[] kWin = normal(new SplittableRandom(8), in.k.length);
        float[] vWin = normal(new SplittableRandom(9), in.v.length);
        NsaKernel.Forward first = device.forward(sizes, in.q, in.k, in.v, kWin, vWin, in.kc,
                in.vc, in.gates);
        NsaKernel.Forward second = device.forward(sizes, in.q, in.k, in.v, kWin, vWin, in.kc,
                in.vc, in.gates);
        assertArrayEquals(first.o(), second.o(), "o");
        assertArrayEquals(first.branches(), second.branches(), "branches");
        assertArrayEquals(first.lse(), second.lse(), "lse");
        assertArrayEquals(first.selected(), second.selected(), "selected");
        NsaKernel.Gradients a = device.backward(sizes, in.q, in.k, in.v, kWin, vWin,
                in.kc, in.vc, in.gates, first, in.dout, true, true);
        NsaKernel.Gradients b = device.backward(sizes, in.q, in.k, in.v, kWin, vWin,
                in.kc, in.vc, in.gates, first, in.dout, true, true);
        assertArrayEquals(a.dq(), b.dq(), "dq");
        assertArrayEquals(a.dk(), b.dk(), "dk");
        assertArrayEquals(a.dv(), b.dv(), "dv");
        assertArrayEquals(a.dkWin(), b.dkWin(), "dkWin");
        assertArrayEquals(a.dvWin(), b.dvWin(), "dvWin");
        assertArrayEquals(a.dkc(), b.dkc(), "dkc");
        assertArrayEquals(a.dvc(), b.dvc(), "dvc");
        assertArrayEquals(a.dgates(), b.dgates(), "dgates");
    }

    @Test
    void theWindowBranchReadsItsOwnKeysAndValues() {
        Case c = new Case("window", 33, 4, 2, 8, new NsaParams(4, 2, 8, 3, 7, 1, 2));
        NsaKernel.Sizes sizes = c.sizes();
        Inputs in = Inputs.random(sizes, 11);
        float[] kWin = normal(new SplittableRandom(12), in.k.length);
        float[] vWin = normal(new SplittableRandom(13), in.v.length);
        float[] gates = onlyGate(sizes, 2);
        NsaKernel.Forward forward = device.forward(sizes, in.q, in.k, in.v, kWin, vWin, in.kc,
                in.vc, gates);
        NsaKernel.Gradients found = device.backward(sizes, in.q, in.k, in.v, kWin, vWin,
                in.kc, in.vc, gates, forward, in.dout, true, true);
        FullAttentionSpec spec = new FullAttentionSpec(c.length, c.queryHeads, c.kvHeads,
                c.dim, c.params.window());
        assertClose("o", floats(FullAttentionReference.forward(spec, doubles(in.q),
                doubles(kWin), doubles(vWin))), forward.o());
        FullAttentionReference.Gradients expected = FullAttentionReference.backward(spec,
                doubles(in.q), doubles(kWin), doubles(vWin), doubles(in.dout));
        assertClose("dq", floats(expected.dq()), found.dq());
        assertClose("dkWin", floats(expected.dk()), found.dkWin());
        assertClose("dvWin", floats(expected.dv()), found.dvWin());
        // With the selected branch's gate at zero, its keys get no gradient.
        assertClose("dk", new float[in.k.length], found.dk());
        assertClose("dv", new float[in.v.length], found.dv());
    }

    @Test
    void theSelectedBranchOverEveryBlockIsCausalAttention() {
        Case c = new Case("every block", 20, 2, 1, 4, new NsaParams(4, 2, 4, 8, 3, 1, 2));
        NsaKernel.Sizes sizes = c.sizes();
        Inputs in = Inputs.random(sizes, 21);
        float[] kWin = normal(new SplittableRandom(22), in.k.length);
        float[] vWin = normal(new SplittableRandom(23), in.v.length);
        float[] gates = onlyGate(sizes, 1);
        NsaKernel.Forward forward = device.forward(sizes, in.q, in.k, in.v, kWin, vWin, in.kc,
                in.vc, gates);
        NsaKernel.Gradients found = device.backward(sizes, in.q, in.k, in.v, kWin, vWin,
                in.kc, in.vc, gates, forward, in.dout, true, true);
        FullAttentionSpec spec = new FullAttentionSpec(c.length, c.queryHeads, c.kvHeads,
                c.dim, 0);
        assertClose("o", floats(FullAttentionReference.forward(spec, doubles(in.q),
                doubles(in.k), doubles(in.v))), forward.o());
        FullAttentionReference.Gradients expected = FullAttentionReference.backward(spec,
                doubles(in.q), doubles(in.k), doubles(in.v), doubles(in.dout));
        assertClose("dq", floats(expected.dq()), found.dq());
        assertClose("dk", floats(expected.dk()), found.dk());
        assertClose("dv", floats(expected.dv()), found.dv());
        assertClose("dkWin", new float[in.k.length], found.dkWin());
        assertClose("dvWin", new float[in.v.length], found.dvWin());
    }

    @Test
    void gradientsNotAskedForAreNull() {
        Case c = new Case("small", 9, 2, 1, 4, new NsaParams(4, 2, 4, 3, 3, 1, 1));
        NsaKernel.Sizes sizes = c.sizes();
        Inputs in = Inputs.random(sizes, 31);
        NsaKernel.Forward forward = device.forward(sizes, in.q, in.k, in.v, in.k, in.v, in.kc,
                in.vc, in.gates);
        NsaKernel.Gradients found = device.backward(sizes, in.q, in.k, in.v, in.k, in.v,
                in.kc, in.vc, in.gates, forward, in.dout, false, false);
        assertEquals(null, found.dk());
        assertEquals(null, found.dkWin());
        assertEquals(null, found.dkc());
        assertEquals(in.q.length, found.dq().length);
        assertThrows(IllegalArgumentException.class, () -> device.forward(sizes, in.q, in.k,
                in.v, new float[1], in.v, in.kc, in.vc, in.gates));
    }

    @Test
    void theFunctionOnTheOpenClBackendMatchesItOnJava() {
        Case c = new Case("batch of two", 19, 4, 2, 4, new NsaParams(4, 2, 4, 3, 5, 1, 1));
        NsaKernel.Sizes sizes = c.sizes();
        Inputs first = Inputs.random(sizes, 41);
        Inputs second = Inputs.random(sizes, 42);
        float[][] java;
        try (Backend backend = Backends.open(BackendKind.JAVA)) {
            java = functionGradients(new Autograd(backend), c, first, second);
        }
        float[][] openCl;
        try (Backend backend = Backends.open(BackendKind.OPENCL)) {
            openCl = functionGradients(new Autograd(backend), c, first, second);
        }
        String[] names = {"o", "dq", "dk", "dv", "dkc", "dvc", "dgates"};
        for (int i = 0; i < names.length; i++) {
            assertClose(names[i], java[i], openCl[i]);
        }
    }

    @Test
    void theGoldenCasePassesThroughTheOpenClBackend(@TempDir Path folder) throws Exception {
        Path file = GoldenCases.copyResource(getClass(), "/golden/nsa-small.safetensors", folder);
        GoldenCases.assertPasses(file, "attention.nsa", new NsaGoldenOp(NsaFunction::attend),
                BackendKind.OPENCL);
    }

    /**
     * o and the gradients of q, k, v, kc, vc and gates of {@code sum(o * dout)} through
     * {@link NsaFunction} on a batch of two sequences.
     */
    private static float[][] functionGradients(Autograd ops, Case c, Inputs a, Inputs b) {
        NsaKernel.Sizes sizes = c.sizes();
        int nc = sizes.compressed();
        Variable q = ops.leaf(ops.tensor(join(a.q, b.q), 2, c.length, c.queryHeads, c.dim));
        Variable k = ops.leaf(ops.tensor(join(a.k, b.k), 2, c.length, c.kvHeads, c.dim));
        Variable v = ops.leaf(ops.tensor(join(a.v, b.v), 2, c.length, c.kvHeads, c.dim));
        Variable kc = ops.leaf(ops.tensor(join(a.kc, b.kc), 2, nc, c.kvHeads, c.dim));
        Variable vc = ops.leaf(ops.tensor(join(a.vc, b.vc), 2, nc, c.kvHeads, c.dim));
        Variable gates = ops.leaf(ops.tensor(join(a.gates, b.gates), 2, c.length,
                c.queryHeads, 3));
        Variable o = NsaFunction.attend(q, k, v, kc, vc, gates, c.params).o();
        ops.sum(ops.mul(o, ops.constant(join(a.dout, b.dout), 2, c.length, c.queryHeads,
                c.dim)), false).backward();
        float[][] out = {o.value().toArray(), null, null, null, null, null, null};
        Variable[] leaves = {q, k, v, kc, vc, gates};
        for (int i = 0; i < leaves.length; i++) {
            out[i + 1] = leaves[i].grad().orElseThrow().toArray();
        }
        return out;
    }

    private static float[] join(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Gates that keep branch b alone. */
    private static float[] onlyGate(NsaKernel.Sizes sizes, int b) {
        float[] gates = new float[sizes.length() * sizes.queryHeads() * 3];
        for (int i = b; i < gates.length; i += 3) {
            gates[i] = 1f;
        }
        return gates;
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

    private static double[] doubles(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    private static float[] floats(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
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
