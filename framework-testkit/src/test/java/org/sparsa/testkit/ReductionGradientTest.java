package org.sparsa.testkit;

import static org.sparsa.testkit.OpGradientCheck.random;
import static org.sparsa.testkit.OpGradientCheck.uniform;

import org.sparsa.api.autograd.Ops;

/** Finite-difference checks of softmax, sums, means and the normalisations. */
class ReductionGradientTest {

    @EachBackend
    void softmaxAndLogSoftmaxAlongEveryAxis(Ops ops) {
        for (int axis : new int[] {0, 1, -1}) {
            OpGradientCheck.of(ops, in -> ops.softmax(in.get(0), axis))
                    .check(uniform(ops, 1, -2, 2, 2, 3, 4));
            OpGradientCheck.of(ops, in -> ops.logSoftmax(in.get(0), axis))
                    .check(uniform(ops, 2, -2, 2, 2, 3, 4));
        }
    }

    @EachBackend
    void sumOverAxes(Ops ops) {
        for (boolean keepDims : new boolean[] {false, true}) {
            OpGradientCheck.of(ops, in -> ops.sum(in.get(0), keepDims))
                    .check(random(ops, 1, 2, 3, 4));
            OpGradientCheck.of(ops, in -> ops.sum(in.get(0), keepDims, 1))
                    .check(random(ops, 2, 2, 3, 4));
            OpGradientCheck.of(ops, in -> ops.sum(in.get(0), keepDims, 0, 2))
                    .check(random(ops, 3, 2, 3, 4));
            OpGradientCheck.of(ops, in -> ops.sum(in.get(0), keepDims, -1, 1))
                    .check(random(ops, 4, 2, 3, 4));
        }
    }

    @EachBackend
    void meanOverAxes(Ops ops) {
        for (boolean keepDims : new boolean[] {false, true}) {
            OpGradientCheck.of(ops, in -> ops.mean(in.get(0), keepDims))
                    .check(random(ops, 1, 2, 3, 4));
            OpGradientCheck.of(ops, in -> ops.mean(in.get(0), keepDims, 0, 2))
                    .check(random(ops, 2, 2, 3, 4));
            OpGradientCheck.of(ops, in -> ops.mean(in.get(0), keepDims, 1, 2))
                    .check(random(ops, 3, 2, 3, 4));
        }
    }

    @EachBackend
    void rmsNorm(Ops ops) {
        OpGradientCheck.of(ops, in -> ops.rmsNorm(in.get(0), in.get(1), 1e-6))
                .check(random(ops, 1, 2, 3, 5), uniform(ops, 2, 0.5, 1.5, 5));
    }

    @EachBackend
    void layerNormWithAndWithoutBias(Ops ops) {
        OpGradientCheck.of(ops, in -> ops.layerNorm(in.get(0), in.get(1), in.get(2), 1e-5))
                .check(random(ops, 1, 2, 3, 5), uniform(ops, 2, 0.5, 1.5, 5),
                        random(ops, 3, 5));
        OpGradientCheck.of(ops, in -> ops.layerNorm(in.get(0), in.get(1), null, 1e-5))
                .check(random(ops, 4, 3, 6), uniform(ops, 5, 0.5, 1.5, 6));
    }
}
