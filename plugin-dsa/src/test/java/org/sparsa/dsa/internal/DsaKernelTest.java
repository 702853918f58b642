package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.testkit.EachBackend;
import org.sparsa.testkit.OpGradientCheck;

/** The fused path, {@link DsaKernel} and {@link DsaFunction}, against {@link DsaReference}. */
class DsaKernelTest {
    private final Ops ops = new Autograd(new JavaBackend());

    @ParameterizedTest(name = "T {0}, top_k {1}, HI {2}, dI {3}")
    @CsvSource({"1, 4, 2, 4", "9, 4, 1, 8", "33, 7, 3, 8", "40, 40, 2, 4", "64, 16, 4, 16"})
    void theStreamingSelectionIsTheReferenceChoice(int length, int topK, int heads, int dim) {
        DsaInputs in = DsaInputs.random(ops, length, length, 2, 1, 4, heads, dim);
        assertArrayEquals(DsaReference.select(in.scores(), topK, 0), select(in, topK, 0));
    }

    @Test
    void equalScoresGoToTheLowerKeyAsInTheReference() {
        int length = 12;
        DsaInputs random = DsaInputs.random(ops, 7, length, 2, 1, 4, 2, 4);
        // Keys 2, 5 and 9 share one index key, and so every score: exact ties.
        float[] ki = random.ki().value().toArray();
        for (int s : new int[] {5, 9}) {
            System.arraycopy(ki, 2 * 4, ki, s * 4, 4);
        }
        DsaInputs in = new DsaInputs(random.q(), random.k(), random.v(), random.qi(),
                ops.constant(ki, length, 4), random.w());
        for (int topK = 1; topK <= 4; topK++) {
            assertArrayEquals(DsaReference.select(in.scores(), topK, 0), select(in, topK, 0),
                    "top_k " + topK);
        }
    }

    @Test
    void theLastQueriesSelectAsInTheWholeSequence() {
        int length = 20;
        int first = 13;
        DsaInputs in = DsaInputs.random(ops, 8, length, 2, 1, 4, 2, 4);
        int[] whole = select(in, 5, 0);
        float[] qi = in.qi().value().toArray();
        float[] w = in.w().value().toArray();
        int[] last = DsaKernel.select(length - first, first, 2, 4, 5,
                Arrays.copyOfRange(qi, first * 8, qi.length), in.ki().value().toArray(),
                Arrays.copyOfRange(w, first * 2, w.length));
        assertArrayEquals(Arrays.copyOfRange(whole, first * 5, whole.length), last);
    }

    @ParameterizedTest(name = "T {0}, top_k {1}, Hq {2}, Hkv {3}")
    @CsvSource({"1, 3, 2, 1", "17, 5, 4, 1", "17, 5, 4, 2", "12, 12, 2, 2", "150, 20, 4, 2"})
    void theFunctionGivesTheReferenceOutputAndGradients(int length, int topK, int heads,
            int kvHeads) {
        DsaInputs in = DsaInputs.random(ops, 20 + length, length, heads, kvHeads, 8, 2, 4);
        int[] selected = DsaReference.select(in.scores(), topK, 0);
        Tensor dout = OpGradientCheck.random(ops, 5, length, heads, 8);
        Variable[] reference = leaves(in);
        Variable[] fused = leaves(in);
        Variable want = DsaReference.sparseAttention(reference[0], reference[1], reference[2],
                selected, topK, 0);
        Variable got = DsaFunction.attend(fused[0], fused[1], fused[2], selected, topK);
        assertClose(want.value().toArray(), got.value().toArray(), "o");
        ops.sum(ops.mul(want, ops.constant(dout)), false).backward();
        ops.sum(ops.mul(got, ops.constant(dout)), false).backward();
        for (int i = 0; i < 3; i++) {
            assertClose(reference[i].grad().orElseThrow().toArray(),
                    fused[i].grad().orElseThrow().toArray(), "gradient of input " + i);
        }
    }

    /** The kernel works in items of rows; a row's output must not depend on its item's rows. */
    @Test
    void theLastRowsAloneGiveTheWholeSequencesBits() {
        int length = 2 * DsaKernel.ROWS + 11;
        int topK = 9;
        int heads = 4;
        int dim = 8;
        DsaInputs in = DsaInputs.random(ops, 70, length, heads, 2, dim, 2, 4);
        int[] selected = DsaReference.select(in.scores(), topK, 0);
        float[] q = in.q().value().toArray();
        float[] k = in.k().value().toArray();
        float[] v = in.v().value().toArray();
        DsaKernel.Forward whole = DsaKernel.forward(
                new DsaKernel.Sizes(length, length, heads, 2, dim, topK), q, k, v, selected);
        for (int first : new int[] {length - 1, length - DsaKernel.ROWS - 3}) {
            DsaKernel.Forward last = DsaKernel.forward(
                    new DsaKernel.Sizes(length - first, length, heads, 2, dim, topK),
                    Arrays.copyOfRange(q, first * heads * dim, q.length), k, v,
                    Arrays.copyOfRange(selected, first * topK, selected.length));
            assertArrayEquals(Arrays.copyOfRange(whole.o(), first * heads * dim,
                    whole.o().length), last.o(), "o of the rows from " + first);
            assertArrayEquals(Arrays.copyOfRange(whole.lse(), first * heads,
                    whole.lse().length), last.lse(), "lse of the rows from " + first);
        }
    }

    @Test
    void aBatchRunsEachSequenceOnItsOwnSelection() {
        int length = 10;
        int topK = 3;
        DsaInputs first = DsaInputs.random(ops, 31, length, 2, 1, 4, 2, 4);
        DsaInputs second = DsaInputs.random(ops, 41, length, 2, 1, 4, 2, 4);
        int[] a = DsaReference.select(first.scores(), topK, 0);
        int[] b = DsaReference.select(second.scores(), topK, 0);
        int[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        Variable o = DsaFunction.attend(stack(first.q(), second.q()), stack(first.k(),
                second.k()), stack(first.v(), second.v()), both, topK);
        float[] values = o.value().toArray();
        float[] alone = DsaFunction.attend(second.q(), second.k(), second.v(), b, topK).value()
                .toArray();
        assertArrayEquals(alone, Arrays.copyOfRange(values, alone.length, values.length));
    }

    @EachBackend
    void theFunctionMatchesFiniteDifferences(Ops ops) {
        int length = 9;
        int topK = 3;
        DsaInputs in = DsaInputs.random(ops, 50, length, 4, 2, 4, 2, 4);
        int[] selected = DsaReference.select(in.scores(), topK, 0);
        OpGradientCheck.of(ops, x -> DsaFunction.attend(x.get(0), x.get(1), x.get(2), selected,
                topK)).check(in.q().value(), in.k().value(), in.v().value());
    }

    @Test
    void theBackwardIsTheSameRunToRun() {
        int length = 48;
        int topK = 6;
        DsaInputs in = DsaInputs.random(ops, 60, length, 4, 1, 8, 2, 4);
        int[] selected = select(in, topK, 0);
        DsaKernel.Sizes sizes = new DsaKernel.Sizes(length, length, 4, 1, 8, topK);
        float[] q = in.q().value().toArray();
        float[] k = in.k().value().toArray();
        float[] v = in.v().value().toArray();
        DsaKernel.Forward forward = DsaKernel.forward(sizes, q, k, v, selected);
        float[] dout = OpGradientCheck.random(ops, 61, length, 4, 8).toArray();
        DsaKernel.Gradients once = DsaKernel.backward(sizes, q, k, v, selected, forward, dout);
        for (int run = 0; run < 3; run++) {
            DsaKernel.Gradients again = DsaKernel.backward(sizes, q, k, v, selected, forward,
                    dout);
            assertArrayEquals(once.dk(), again.dk());
            assertArrayEquals(once.dv(), again.dv());
            assertArrayEquals(once.dq(), again.dq());
        }
    }

    private static int[] select(DsaInputs in, int topK, int first) {
        int[] qi = in.qi().shape();
        return DsaKernel.select(qi[0], first, qi[1], qi[2], topK, in.qi().value().toArray(),
                in.ki().value().toArray(), in.w().value().toArray());
    }

    private Variable[] leaves(DsaInputs in) {
        return new Variable[] {ops.leaf(in.q().value()), ops.leaf(in.k().value()),
            ops.leaf(in.v().value())};
    }

    private Variable stack(Variable a, Variable b) {
        int[] shape = a.shape();
        return ops.concat(0, ops.reshape(a, 1, shape[0], shape[1], shape[2]),
                ops.reshape(b, 1, shape[0], shape[1], shape[2]));
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5, what + " value " + i);
        }
    }
}
