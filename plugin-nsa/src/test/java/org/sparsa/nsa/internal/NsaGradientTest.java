package org.sparsa.nsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.testkit.OpGradientCheck;

/**
 * Finite-difference check of the gradients of both NSA paths, {@link NsaReference} (from
 * autograd) and the fused {@link NsaFunction}, for every input and parameter, on a case small
 * enough to perturb value by value.
 */
class NsaGradientTest {
    /** T = 10 over five selection blocks of 2: from t = 6 on, one block is chosen by score. */
    private static final NsaParams PARAMS = new NsaParams(4, 2, 2, 3, 3, 1, 1);
    private static final int LENGTH = 10;
    private static final int QUERY_HEADS = 2;
    private static final int KV_HEADS = 1;
    private static final int DIM = 4;

    @NsaReferenceBackends.Each
    void theReferenceMatchesFiniteDifferences(Ops ops) {
        OpGradientCheck.of(ops, in -> NsaReference.forward(in.get(0), in.get(1), in.get(2),
                in.get(3), in.get(4), in.get(5), in.get(6), in.get(7), PARAMS).o())
                .check(tieFreeInputs(ops));
    }

    @NsaReferenceBackends.Each
    void theKernelMatchesFiniteDifferences(Ops ops) {
        OpGradientCheck.of(ops, in -> NsaFunction.attend(in.get(0), in.get(1), in.get(2),
                in.get(3), in.get(4), in.get(5), in.get(6), in.get(7), PARAMS).o())
                .check(tieFreeInputs(ops));
    }

    /**
     * q, k, v, gates, wk, wv, pek, pev. Selection is piecewise constant, so the steps of the
     * check must not cross a tie: the chosen blocks are the same at the inputs and after a
     * step on every value.
     */
    @SuppressWarnings("try") // the scope only needs closing
    private static Tensor[] tieFreeInputs(Ops ops) {
        int l = PARAMS.blockLen();
        Tensor[] inputs = {
            OpGradientCheck.random(ops, 11, LENGTH, QUERY_HEADS, DIM),
            OpGradientCheck.random(ops, 12, LENGTH, KV_HEADS, DIM),
            OpGradientCheck.random(ops, 13, LENGTH, KV_HEADS, DIM),
            OpGradientCheck.uniform(ops, 14, 0.2, 0.8, LENGTH, QUERY_HEADS, 3),
            OpGradientCheck.uniform(ops, 15, -0.5, 0.5, KV_HEADS, l * DIM, DIM),
            OpGradientCheck.uniform(ops, 16, -0.5, 0.5, KV_HEADS, l * DIM, DIM),
            OpGradientCheck.random(ops, 17, KV_HEADS, l, DIM),
            OpGradientCheck.random(ops, 18, KV_HEADS, l, DIM)};
        try (GradScope scope = ops.noGrad()) {
            int[] chosen = run(ops, inputs).selected();
            for (int i = 0; i < inputs.length; i++) {
                float[] values = inputs[i].toArray();
                for (int j = 0; j < values.length; j++) {
                    for (double step : new double[] {-OpGradientCheck.DEFAULT_STEP,
                        OpGradientCheck.DEFAULT_STEP}) {
                        Tensor[] moved = inputs.clone();
                        float[] changed = values.clone();
                        changed[j] += (float) step;
                        moved[i] = ops.tensor(changed, inputs[i].shape());
                        assertArrayEquals(chosen, run(ops, moved).selected(),
                                "a step on input " + i + " value " + j + " changes the choice");
                    }
                }
            }
        }
        return inputs;
    }

    private static NsaReference.Result run(Ops ops, Tensor[] inputs) {
        Variable[] in = new Variable[inputs.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = ops.constant(inputs[i]);
        }
        return NsaReference.forward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                PARAMS);
    }
}
