package org.sparsa.testkit;

import static org.sparsa.testkit.OpGradientCheck.random;
import static org.sparsa.testkit.OpGradientCheck.uniform;

import java.util.List;
import java.util.function.BinaryOperator;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;

/** Finite-difference checks of matmul, the element-wise ops and scale. */
class ArithmeticGradientTest {

    @EachBackend
    void matmul(Ops ops) {
        check(ops, ops::matmul, random(ops, 1, 3, 4), random(ops, 2, 4, 2));
    }

    @EachBackend
    void batchedMatmul(Ops ops) {
        check(ops, ops::matmul, random(ops, 1, 2, 3, 4), random(ops, 2, 2, 4, 2));
    }

    @EachBackend
    void matmulWithASharedRightOperand(Ops ops) {
        check(ops, ops::matmul, random(ops, 1, 2, 3, 4), random(ops, 2, 4, 2));
        check(ops, ops::matmul, random(ops, 3, 2, 3, 4), random(ops, 4, 1, 4, 2));
    }

    @EachBackend
    void matmulWithASharedLeftOperand(Ops ops) {
        check(ops, ops::matmul, random(ops, 1, 3, 4), random(ops, 2, 2, 4, 2));
    }

    @EachBackend
    void matmulBroadcastOverSomeLeadingAxes(Ops ops) {
        check(ops, ops::matmul, random(ops, 1, 2, 1, 3, 4), random(ops, 2, 1, 2, 4, 2));
        check(ops, ops::matmul, random(ops, 3, 2, 2, 2, 3), random(ops, 4, 2, 1, 3, 2));
    }

    @EachBackend
    void linear(Ops ops) {
        check(ops, ops::linear, random(ops, 1, 3, 4), random(ops, 2, 5, 4));
        check(ops, ops::linear, random(ops, 3, 2, 3, 4), random(ops, 4, 2, 4));
        check(ops, ops::linear, random(ops, 5, 4), random(ops, 6, 3, 4));
    }

    @EachBackend
    void addSubMulBroadcasting(Ops ops) {
        for (BinaryOperator<Variable> f : List.<BinaryOperator<Variable>>of(ops::add, ops::sub,
                ops::mul)) {
            check(ops, f, random(ops, 1, 2, 3), random(ops, 2, 2, 3));
            check(ops, f, random(ops, 3, 2, 3), random(ops, 4, 3));
            check(ops, f, random(ops, 5, 2, 1, 3), random(ops, 6, 4, 1));
            check(ops, f, random(ops, 7, 1), random(ops, 8, 2, 3));
            check(ops, f, random(ops, 9), random(ops, 10, 3, 2));
        }
    }

    @EachBackend
    void divBroadcasting(Ops ops) {
        check(ops, ops::div, random(ops, 1, 2, 3), uniform(ops, 2, 0.5, 1.5, 2, 3));
        check(ops, ops::div, random(ops, 3, 2, 1, 3), uniform(ops, 4, -1.5, -0.5, 4, 1));
        check(ops, ops::div, random(ops, 5, 3), uniform(ops, 6, 0.5, 1.5, 2, 3));
    }

    @EachBackend
    void scale(Ops ops) {
        OpGradientCheck.of(ops, in -> ops.scale(in.get(0), -1.75)).check(random(ops, 1, 2, 3));
    }

    @EachBackend
    void expLogReluSiluSigmoid(Ops ops) {
        OpGradientCheck.of(ops, in -> ops.exp(in.get(0))).check(random(ops, 1, 2, 3));
        OpGradientCheck.of(ops, in -> ops.log(in.get(0)))
                .check(uniform(ops, 2, 0.5, 2, 2, 3));
        OpGradientCheck.of(ops, in -> ops.silu(in.get(0))).check(uniform(ops, 3, -3, 3, 2, 4));
        OpGradientCheck.of(ops, in -> ops.sigmoid(in.get(0)))
                .check(uniform(ops, 4, -3, 3, 2, 4));
        // Away from the kink at 0, where the one-sided slopes differ.
        float[] x = {-1.2f, -0.3f, 0.2f, 0.9f, -0.05f, 0.05f, 1.5f, -2f};
        OpGradientCheck.of(ops, in -> ops.relu(in.get(0))).step(1e-2)
                .check(ops.tensor(x, 2, 4));
    }

    @EachBackend
    void swiglu(Ops ops) {
        check(ops, ops::swiglu, uniform(ops, 5, -3, 3, 2, 4), random(ops, 6, 2, 4));
    }

    private static void check(Ops ops, BinaryOperator<Variable> f, Tensor a, Tensor b) {
        OpGradientCheck.of(ops, in -> f.apply(in.get(0), in.get(1))).check(a, b);
    }
}
