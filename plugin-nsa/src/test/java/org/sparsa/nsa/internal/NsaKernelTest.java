package org.sparsa.nsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.testkit.GoldenCases;
import org.sparsa.testkit.OpGradientCheck;
import org.sparsa.testkit.TestBackends;

/**
 * {@link NsaFunction} against {@link NsaReference}: the same output, gradients and choice of
 * blocks over shapes that reach the edge cases, with the window branch on the shared keys and on
 * keys of its own, the golden case through the kernel, and the kernel's promises of
 * bit-identical reruns and rows computed on their own.
 */
class NsaKernelTest {
    /** Output and gradients may differ from the reference by this, relative above 1. */
    private static final double TOLERANCE = 1e-5;
    private static final String[] NAMES = {"q", "k", "v", "gates", "wk", "wv", "pek", "pev"};
    private static final String[] OWN_WINDOW_NAMES = {"q", "k", "v", "kWin", "vWin", "gates",
        "wk", "wv", "pek", "pev"};

    private final Autograd ops = new Autograd(new JavaBackend());

    /** A case: sizes, params, and a seed for its values. */
    record Case(String name, int length, int queryHeads, int kvHeads, int dim, NsaParams params) {
        @Override
        public String toString() {
            return name;
        }
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
                new Case("more keys than a softmax chunk", 150, 2, 1, 8,
                        new NsaParams(4, 2, 8, 4, 70, 1, 2)),
                // Two items of rows, whose selected blocks are visited block by block.
                new Case("rows of two items", NsaKernel.ROWS_PER_ITEM + 9, 4, 2, 4,
                        new NsaParams(8, 4, 16, 5, 40, 1, 2)))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheReferenceInOutputGradientsAndChoice(Case c) {
        Tensor[] inputs = inputs(c, 100);
        Tensor weights = OpGradientCheck.random(ops, 99, c.length, c.queryHeads, c.dim);
        Run reference = run(inputs, weights, c.params, false);
        Run kernel = run(inputs, weights, c.params, true);
        assertArrayEquals(reference.selected, kernel.selected, c + ": selected blocks");
        assertClose(c + ": o", reference.o, kernel.o);
        for (int i = 0; i < NAMES.length; i++) {
            assertClose(c + ": grad " + NAMES[i], reference.grads[i], kernel.grads[i]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withItsOwnWindowKeysMatchesTheReferenceInOutputGradientsAndChoice(Case c) {
        Tensor[] inputs = ownWindowInputs(c, 600);
        Tensor weights = OpGradientCheck.random(ops, 599, c.length, c.queryHeads, c.dim);
        Run reference = run(inputs, weights, c.params, false);
        Run kernel = run(inputs, weights, c.params, true);
        assertArrayEquals(reference.selected, kernel.selected, c + ": selected blocks");
        assertClose(c + ": o", reference.o, kernel.o);
        for (int i = 0; i < OWN_WINDOW_NAMES.length; i++) {
            assertClose(c + ": grad " + OWN_WINDOW_NAMES[i], reference.grads[i],
                    kernel.grads[i]);
        }
    }

    /**
     * The kernel's gradients of the shared keys are the sums of each branch's, and a branch
     * that reads keys of its own gives them nothing: with the window's keys apart, the window's
     * share leaves dk and dv and goes to dkWin and dvWin.
     */
    @Test
    void eachBranchGivesItsKeysTheirOwnGradients() {
        Case c = new Case("gqa", 37, 4, 2, 8, new NsaParams(4, 2, 8, 3, 6, 1, 2));
        NsaKernel.Sizes sizes = new NsaKernel.Sizes(c.length, c.queryHeads, c.kvHeads, c.dim,
                c.params);
        Tensor[] in = inputs(c, 700);
        float[] q = in[0].toArray();
        float[] k = in[1].toArray();
        float[] v = in[2].toArray();
        float[] gates = in[3].toArray();
        float[] kc = OpGradientCheck.random(ops, 701, sizes.compressed(), c.kvHeads, c.dim)
                .toArray();
        float[] vc = OpGradientCheck.random(ops, 702, sizes.compressed(), c.kvHeads, c.dim)
                .toArray();
        float[] dout = OpGradientCheck.random(ops, 703, c.length, c.queryHeads, c.dim)
                .toArray();
        NsaKernel.Forward shared = NsaKernel.forward(sizes, q, k, v, k, v, kc, vc, gates);
        NsaKernel.Gradients both = NsaKernel.backward(sizes, q, k, v, k, v, kc, vc, gates,
                shared, dout, true, true);
        // Equal copies are independent keys to the kernel: the same values, no shared scores.
        float[] kWin = k.clone();
        float[] vWin = v.clone();
        NsaKernel.Forward apart = NsaKernel.forward(sizes, q, k, v, kWin, vWin, kc, vc, gates);
        assertClose("o", shared.o(), apart.o());
        assertArrayEquals(shared.selected(), apart.selected());
        NsaKernel.Gradients each = NsaKernel.backward(sizes, q, k, v, kWin, vWin, kc, vc, gates,
                apart, dout, true, true);
        for (float[][] pair : new float[][][] {{both.dk(), each.dk()}, {both.dv(), each.dv()},
            {both.dkWin(), each.dkWin()}, {both.dvWin(), each.dvWin()},
            {both.dq(), each.dq()}, {both.dkc(), each.dkc()}, {both.dgates(), each.dgates()}}) {
            assertClose("gradient", pair[0], pair[1]);
        }
        // Gates (0, 1, 0) give the window no share, (0, 0, 1) the selection none.
        for (int branch : new int[] {1, 2}) {
            float[] only = new float[gates.length];
            for (int i = branch; i < only.length; i += 3) {
                only[i] = 1;
            }
            NsaKernel.Gradients g = NsaKernel.backward(sizes, q, k, v, kWin, vWin, kc, vc, only,
                    NsaKernel.forward(sizes, q, k, v, kWin, vWin, kc, vc, only), dout, true,
                    true);
            float[] silent = branch == 1 ? g.dkWin() : g.dk();
            float[] heard = branch == 1 ? g.dk() : g.dkWin();
            assertTrue(IntStream.range(0, silent.length).allMatch(i -> silent[i] == 0),
                    "branch " + branch + ": the other branch's keys got a gradient");
            assertTrue(IntStream.range(0, heard.length).anyMatch(i -> heard[i] != 0),
                    "branch " + branch + ": its keys got no gradient");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void twoRunsAreBitIdentical(Case c) {
        Tensor[] inputs = inputs(c, 200);
        Tensor weights = OpGradientCheck.random(ops, 199, c.length, c.queryHeads, c.dim);
        Run first = run(inputs, weights, c.params, true);
        Run second = run(inputs, weights, c.params, true);
        assertArrayEquals(first.o, second.o, c + ": o");
        for (int i = 0; i < NAMES.length; i++) {
            assertArrayEquals(first.grads[i], second.grads[i], c + ": grad " + NAMES[i]);
        }
    }

    @ParameterizedTest(name = "own window keys: {0}")
    @ValueSource(booleans = {false, true})
    void oneThreadGivesTheSameBitsAsMany(boolean ownWindow) throws Exception {
        NsaKernel.Sizes sizes = new NsaKernel.Sizes(300, 4, 2, 8,
                new NsaParams(8, 4, 16, 4, 40, 1, 2));
        int nc = sizes.compressed();
        float[] k = OpGradientCheck.random(ops, 502, 300, 2, 8).toArray();
        float[] v = OpGradientCheck.random(ops, 503, 300, 2, 8).toArray();
        float[][] in = {
            OpGradientCheck.random(ops, 501, 300, 4, 8).toArray(), k, v,
            ownWindow ? OpGradientCheck.random(ops, 508, 300, 2, 8).toArray() : k,
            ownWindow ? OpGradientCheck.random(ops, 509, 300, 2, 8).toArray() : v,
            OpGradientCheck.random(ops, 504, nc, 2, 8).toArray(),
            OpGradientCheck.random(ops, 505, nc, 2, 8).toArray(),
            OpGradientCheck.uniform(ops, 506, 0.1, 0.9, 300, 4, 3).toArray(),
            OpGradientCheck.random(ops, 507, 300, 4, 8).toArray()};
        Callable<float[][]> pass = () -> {
            NsaKernel.Forward f = NsaKernel.forward(sizes, in[0], in[1], in[2], in[3], in[4],
                    in[5], in[6], in[7]);
            NsaKernel.Gradients g = NsaKernel.backward(sizes, in[0], in[1], in[2], in[3],
                    in[4], in[5], in[6], in[7], f, in[8], true, true);
            return new float[][] {f.o(), g.dq(), g.dk(), g.dv(), g.dkWin(), g.dvWin(), g.dkc(),
                g.dvc(), g.dgates()};
        };
        float[][] many = pass.call();
        ForkJoinPool single = new ForkJoinPool(1);
        try {
            // A parallel stream started inside a pool runs on that pool's threads.
            float[][] one = single.submit(pass).get();
            for (int i = 0; i < many.length; i++) {
                assertArrayEquals(many[i], one[i], "result " + i);
            }
        } finally {
            single.shutdown();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void lastRowsOnTheirOwnEqualTheWholeForward(Case c) {
        Tensor[] in = inputs(c, 300);
        float[] k = in[1].toArray();
        float[] v = in[2].toArray();
        lastRowsEqualTheWholeForward(c, in, k, v);
        lastRowsEqualTheWholeForward(c, in,
                OpGradientCheck.random(ops, 303, c.length, c.kvHeads, c.dim).toArray(),
                OpGradientCheck.random(ops, 304, c.length, c.kvHeads, c.dim).toArray());
    }

    /** As above, the window reading kWin and vWin, which may be the arrays of k and v. */
    private void lastRowsEqualTheWholeForward(Case c, Tensor[] in, float[] kWin,
            float[] vWin) {
        NsaKernel.Sizes sizes = new NsaKernel.Sizes(c.length, c.queryHeads, c.kvHeads, c.dim,
                c.params);
        int nc = sizes.compressed();
        float[] kc = OpGradientCheck.random(ops, 301, Math.max(nc, 1), c.kvHeads, c.dim)
                .toArray();
        float[] vc = OpGradientCheck.random(ops, 302, Math.max(nc, 1), c.kvHeads, c.dim)
                .toArray();
        int kvSize = nc * c.kvHeads * c.dim;
        kc = Arrays.copyOf(kc, kvSize);
        vc = Arrays.copyOf(vc, kvSize);
        float[] q = in[0].toArray();
        float[] k = in[1].toArray();
        float[] v = in[2].toArray();
        float[] gates = in[3].toArray();
        NsaKernel.Forward whole = NsaKernel.forward(sizes, q, k, v, kWin, vWin, kc, vc, gates);
        for (int from : new int[] {c.length - 1, Math.max(0, c.length - 3), c.length / 2}) {
            int rowQ = c.queryHeads * c.dim;
            NsaKernel.Forward rows = NsaKernel.forwardRows(sizes,
                    Arrays.copyOfRange(q, from * rowQ, c.length * rowQ), k, v, kWin, vWin, kc,
                    vc,
                    Arrays.copyOfRange(gates, from * c.queryHeads * 3,
                            c.length * c.queryHeads * 3), from, c.length);
            assertArrayEquals(Arrays.copyOfRange(whole.o(), from * rowQ, c.length * rowQ),
                    rows.o(), c + ": o of rows from " + from);
            int perRow = c.kvHeads * c.params.selectCount();
            assertArrayEquals(Arrays.copyOfRange(whole.selected(), from * perRow,
                    c.length * perRow), rows.selected(), c + ": selected of rows from " + from);
            assertArrayEquals(Arrays.copyOfRange(whole.lse(), from * c.queryHeads * 3,
                    c.length * c.queryHeads * 3), rows.lse(), c + ": lse of rows from " + from);
        }
    }

    @Test
    void theGoldenCasePassesThroughTheKernel(@TempDir Path folder) throws Exception {
        Path file = GoldenCases.copyResource(getClass(), "/golden/nsa-small.safetensors", folder);
        for (BackendKind backend : TestBackends.kinds()) {
            GoldenCases.assertPasses(file, "attention.nsa",
                    new NsaGoldenOp(NsaFunction::attend), backend);
        }
    }

    @Test
    void theFunctionKeepsTheLastChoice() {
        Case c = new Case("small", 9, 2, 1, 4, new NsaParams(4, 2, 2, 3, 3, 1, 1));
        Tensor[] in = inputs(c, 400);
        Variable[] v = new Variable[in.length];
        for (int i = 0; i < in.length; i++) {
            v[i] = ops.constant(in[i]);
        }
        NsaReference.Result result = NsaFunction.attend(v[0], v[1], v[2], v[3], v[4], v[5],
                v[6], v[7], c.params);
        assertEquals(c.length * c.kvHeads * c.params.selectCount(), result.selected().length);
        assertArrayEquals(NsaReference.forward(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                c.params).selected(), result.selected());
    }

    /** q, k, v, gates, wk, wv, pek, pev for a case. */
    private Tensor[] inputs(Case c, int seed) {
        int l = c.params.blockLen();
        return new Tensor[] {
            OpGradientCheck.random(ops, seed, c.length, c.queryHeads, c.dim),
            OpGradientCheck.random(ops, seed + 1, c.length, c.kvHeads, c.dim),
            OpGradientCheck.random(ops, seed + 2, c.length, c.kvHeads, c.dim),
            OpGradientCheck.uniform(ops, seed + 3, 0.1, 0.9, c.length, c.queryHeads, 3),
            OpGradientCheck.uniform(ops, seed + 4, -0.5, 0.5, c.kvHeads, l * c.dim, c.dim),
            OpGradientCheck.uniform(ops, seed + 5, -0.5, 0.5, c.kvHeads, l * c.dim, c.dim),
            OpGradientCheck.random(ops, seed + 6, c.kvHeads, l, c.dim),
            OpGradientCheck.random(ops, seed + 7, c.kvHeads, l, c.dim)};
    }

    /** q, k, v, kWin, vWin, gates, wk, wv, pek, pev for a case: a window of its own. */
    private Tensor[] ownWindowInputs(Case c, int seed) {
        Tensor[] shared = inputs(c, seed);
        return new Tensor[] {shared[0], shared[1], shared[2],
            OpGradientCheck.random(ops, seed + 8, c.length, c.kvHeads, c.dim),
            OpGradientCheck.random(ops, seed + 9, c.length, c.kvHeads, c.dim),
            shared[3], shared[4], shared[5], shared[6], shared[7]};
    }

    /** The output, the gradients of {@code sum(o * weights)} and the choice of one path. */
    private record Run(float[] o, float[][] grads, int[] selected) {
    }

    private Run run(Tensor[] inputs, Tensor weights, NsaParams params, boolean kernel) {
        Variable[] in = new Variable[inputs.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = ops.leaf(inputs[i]);
        }
        NsaReference.Result result;
        if (in.length == OWN_WINDOW_NAMES.length) {
            result = kernel
                    ? NsaFunction.attend(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                            in[8], in[9], params)
                    : NsaReference.forward(in[0], in[1], in[2], in[3], in[4], in[5], in[6],
                            in[7], in[8], in[9], params);
        } else {
            result = kernel
                    ? NsaFunction.attend(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                            params)
                    : NsaReference.forward(in[0], in[1], in[2], in[3], in[4], in[5], in[6],
                            in[7], params);
        }
        ops.sum(ops.mul(result.o(), ops.constant(weights)), false).backward();
        float[][] grads = new float[in.length][];
        for (int i = 0; i < in.length; i++) {
            Variable leaf = in[i];
            grads[i] = leaf.grad().map(Tensor::toArray)
                    .orElseGet(() -> new float[leaf.value().size()]);
        }
        return new Run(result.o().value().toArray(), grads, result.selected());
    }

    /** Equal within the tolerance, absolute up to 1 and relative above. */
    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(expected[i] - actual[i]) / Math.max(1, Math.abs(expected[i]));
            if (!(error <= worst)) {
                worst = error;
                at = i;
            }
        }
        if (Boolean.getBoolean("nsa.kernel.report")) {
            System.out.printf("%s: worst error %.3g%n", what, worst);
        }
        double found = worst;
        int index = at;
        assertTrue(worst <= TOLERANCE, () -> what + ": error " + found + " at " + index
                + ", expected " + expected[index] + ", found " + actual[index]);
    }
}
