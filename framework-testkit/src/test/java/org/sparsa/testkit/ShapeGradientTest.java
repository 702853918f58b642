package org.sparsa.testkit;

import static org.sparsa.testkit.OpGradientCheck.random;

import org.sparsa.api.autograd.Ops;

/** Finite-difference checks of reshape, permute, transpose, slice and concat. */
class ShapeGradientTest {

    @EachBackend
    void reshape(Ops ops) {
        // Followed by a product so that the gradient depends on where each value lands.
        OpGradientCheck.of(ops, in -> ops.mul(ops.reshape(in.get(0), 6, -1), in.get(1)))
                .check(random(ops, 1, 2, 3, 4), random(ops, 2, 6, 4));
    }

    @EachBackend
    void permuteAndTranspose(Ops ops) {
        OpGradientCheck.of(ops, in -> ops.permute(in.get(0), 2, 0, 1))
                .check(random(ops, 1, 2, 3, 4));
        OpGradientCheck.of(ops, in -> ops.permute(in.get(0), 1, 3, 0, 2))
                .check(random(ops, 2, 2, 3, 2, 2));
        OpGradientCheck.of(ops, in -> ops.transpose(in.get(0), 0, -1))
                .check(random(ops, 3, 2, 3, 4));
    }

    @EachBackend
    void slice(Ops ops) {
        OpGradientCheck.of(ops, in -> ops.slice(in.get(0), 1, 1, 3))
                .check(random(ops, 1, 2, 4, 3));
        OpGradientCheck.of(ops, in -> ops.slice(in.get(0), -1, 0, 2))
                .check(random(ops, 2, 2, 4, 3));
    }

    @EachBackend
    void concat(Ops ops) {
        OpGradientCheck.of(ops, in -> ops.concat(1, in.get(0), in.get(1), in.get(2)))
                .check(random(ops, 1, 2, 1, 3), random(ops, 2, 2, 2, 3), random(ops, 3, 2, 3, 3));
        OpGradientCheck.of(ops, in -> ops.concat(0, in.get(0), in.get(1)))
                .check(random(ops, 4, 1, 3), random(ops, 5, 2, 3));
        // A part that needs no gradient.
        OpGradientCheck.of(ops, in -> ops.concat(-1, in.get(0), in.get(1))).constant(0)
                .check(random(ops, 6, 2, 2), random(ops, 7, 2, 3));
    }
}
