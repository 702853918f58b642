package org.sparsa.nsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.function.Function;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.testkit.EachBackend;
import org.sparsa.testkit.OpGradientCheck;

/**
 * Finite-difference check of the gradients of both NSA paths, {@link NsaReference} (from
 * autograd) and the fused {@link NsaFunction}, for every input and parameter, on a case small
 * enough to perturb value by value: every branch on shared keys, the window on keys of its own,
 * and (the kernel alone) every branch on keys of its own.
 */
class NsaGradientTest {
    /** T = 10 over five selection blocks of 2: from t = 6 on, one block is chosen by score. */
    private static final NsaParams PARAMS = new NsaParams(4, 2, 2, 3, 3, 1, 1);
    private static final int LENGTH = 10;
    private static final int QUERY_HEADS = 2;
    private static final int KV_HEADS = 1;
    private static final int DIM = 4;

    @EachBackend
    void theReferenceMatchesFiniteDifferences(Ops ops) {
        OpGradientCheck.of(ops, in -> NsaReference.forward(in.get(0), in.get(1), in.get(2),
                in.get(3), in.get(4), in.get(5), in.get(6), in.get(7), PARAMS).o())
                .check(tieFree(ops, sharedInputs(ops), NsaGradientTest::reference));
    }

    @EachBackend
    void theKernelMatchesFiniteDifferences(Ops ops) {
        OpGradientCheck.of(ops, in -> NsaFunction.attend(in.get(0), in.get(1), in.get(2),
                in.get(3), in.get(4), in.get(5), in.get(6), in.get(7), PARAMS).o())
                .check(tieFree(ops, sharedInputs(ops), NsaGradientTest::reference));
    }

    @EachBackend
    void theReferenceWithItsOwnWindowKeysMatchesFiniteDifferences(Ops ops) {
        OpGradientCheck.of(ops, in -> NsaReference.forward(in.get(0), in.get(1), in.get(2),
                in.get(3), in.get(4), in.get(5), in.get(6), in.get(7), in.get(8), in.get(9),
                PARAMS).o())
                .check(tieFree(ops, ownWindowInputs(ops), NsaGradientTest::reference));
    }

    @EachBackend
    void theKernelWithItsOwnWindowKeysMatchesFiniteDifferences(Ops ops) {
        OpGradientCheck.of(ops, in -> NsaFunction.attend(in.get(0), in.get(1), in.get(2),
                in.get(3), in.get(4), in.get(5), in.get(6), in.get(7), in.get(8), in.get(9),
                PARAMS).o())
                .check(tieFree(ops, ownWindowInputs(ops), NsaGradientTest::reference));
    }

    /**
     * q, k, v, kWin, vWin, kc, vc, gates: the compressed keys no longer made from k, as under
     * {@code independent_kv}, where the selected branch reads keys of its own.
     */
    @EachBackend
    void theKernelWithEveryBranchOnItsOwnKeysMatchesFiniteDifferences(Ops ops) {
        int compressed = PARAMS.compressedTokens(LENGTH);
        Tensor[] shared = sharedInputs(ops);
        Tensor[] inputs = {shared[0], shared[1], shared[2],
            OpGradientCheck.random(ops, 19, LENGTH, KV_HEADS, DIM),
            OpGradientCheck.random(ops, 20, LENGTH, KV_HEADS, DIM),
            OpGradientCheck.random(ops, 21, compressed, KV_HEADS, DIM),
            OpGradientCheck.random(ops, 22, compressed, KV_HEADS, DIM), shared[3]};
        OpGradientCheck.of(ops, in -> NsaFunction.attendBranches(in.get(0), in.get(1),
                in.get(2), in.get(3), in.get(4), in.get(5), in.get(6), in.get(7), PARAMS).o())
                .check(tieFree(ops, inputs, in -> NsaFunction.attendBranches(in[0], in[1],
                        in[2], in[3], in[4], in[5], in[6], in[7], PARAMS)));
    }

    /** q, k, v, gates, wk, wv, pek, pev. */
    private static Tensor[] sharedInputs(Ops ops) {
        int l = PARAMS.blockLen();
        return new Tensor[] {
            OpGradientCheck.random(ops, 11, LENGTH, QUERY_HEADS, DIM),
            OpGradientCheck.random(ops, 12, LENGTH, KV_HEADS, DIM),
            OpGradientCheck.random(ops, 13, LENGTH, KV_HEADS, DIM),
            OpGradientCheck.uniform(ops, 14, 0.2, 0.8, LENGTH, QUERY_HEADS, 3),
            OpGradientCheck.uniform(ops, 15, -0.5, 0.5, KV_HEADS, l * DIM, DIM),
            OpGradientCheck.uniform(ops, 16, -0.5, 0.5, KV_HEADS, l * DIM, DIM),
            OpGradientCheck.random(ops, 17, KV_HEADS, l, DIM),
            OpGradientCheck.random(ops, 18, KV_HEADS, l, DIM)};
    }

    /** q, k, v, kWin, vWin, gates, wk, wv, pek, pev. */
    private static Tensor[] ownWindowInputs(Ops ops) {
        Tensor[] shared = sharedInputs(ops);
        return new Tensor[] {shared[0], shared[1], shared[2],
            OpGradientCheck.random(ops, 19, LENGTH, KV_HEADS, DIM),
            OpGradientCheck.random(ops, 20, LENGTH, KV_HEADS, DIM),
            shared[3], shared[4], shared[5], shared[6], shared[7]};
    }

    /**
     * {@code inputs}, checked to be tie-free. Selection is piecewise constant, so the steps of
     * the check must not cross a tie: the blocks {@code op} chooses are the same at the inputs
     * and after a step on every value.
     */
    @SuppressWarnings("try") // the scope only needs closing
    private static Tensor[] tieFree(Ops ops, Tensor[] inputs,
            Function<Variable[], NsaReference.Result> op) {
        try (GradScope scope = ops.noGrad()) {
            int[] chosen = run(ops, inputs, op).selected();
            for (int i = 0; i < inputs.length; i++) {
                float[] values = inputs[i].toArray();
                for (int j = 0; j < values.length; j++) {
                    for (double step : new double[] {-OpGradientCheck.DEFAULT_STEP,
                        OpGradientCheck.DEFAULT_STEP}) {
                        Tensor[] moved = inputs.clone();
                        float[] changed = values.clone();
                        changed[j] += (float) step;
                        moved[i] = ops.tensor(changed, inputs[i].shape());
                        assertArrayEquals(chosen, run(ops, moved, op).selected(),
                                "a step on input " + i + " value " + j + " changes the choice");
                    }
                }
            }
        }
        return inputs;
    }

    private static NsaReference.Result run(Ops ops, Tensor[] inputs,
            Function<Variable[], NsaReference.Result> op) {
        Variable[] in = new Variable[inputs.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = ops.constant(inputs[i]);
        }
        return op.apply(in);
    }

    /** The reference on its shared-key or own-window inputs, told apart by their number. */
    private static NsaReference.Result reference(Variable[] in) {
        return in.length == 8
                ? NsaReference.forward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                        PARAMS)
                : NsaReference.forward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                        in[8], in[9], PARAMS);
    }
}
