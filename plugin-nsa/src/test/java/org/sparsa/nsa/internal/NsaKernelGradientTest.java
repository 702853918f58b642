package org.sparsa.nsa.internal;

import org.sparsa.api.autograd.Ops;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.testkit.OpGradientCheck;

/**
 * Finite-difference check of {@link NsaFunction}'s own backward, through
 * {@link NsaFunction#attend}, on the case {@link NsaGradientTest} checks the reference on (whose
 * steps it shows do not change the choice of blocks).
 */
class NsaKernelGradientTest {
    private static final NsaParams PARAMS = new NsaParams(4, 2, 2, 3, 3, 1, 1);
    private static final int LENGTH = 10;
    private static final int QUERY_HEADS = 2;
    private static final int KV_HEADS = 1;
    private static final int DIM = 4;

    @NsaReferenceBackends.Each
    void gradientsOfEveryInputMatchFiniteDifferences(Ops ops) {
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
        OpGradientCheck.of(ops, in -> NsaFunction.attend(in.get(0), in.get(1), in.get(2),
                in.get(3), in.get(4), in.get(5), in.get(6), in.get(7), PARAMS).o())
                .check(inputs);
    }
}
