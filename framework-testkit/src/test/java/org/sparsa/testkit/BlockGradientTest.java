package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.sparsa.testkit.OpGradientCheck.random;
import static org.sparsa.testkit.OpGradientCheck.uniform;

import java.util.Arrays;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.tensor.Tensor;

/** Finite-difference checks of RoPE and cross-entropy; the straight-through gradient of FP8. */
class BlockGradientTest {

    @EachBackend
    void ropeOnAllAndOnPartialRotaryDims(Ops ops) {
        // [batch 2, time 3, heads 2, dim 6] with positions that need not start at 0.
        IntTensor positions = IntTensor.vector(0, 1, 5);
        OpGradientCheck.of(ops, in -> ops.rope(in.get(0), 1, positions, 6, 10000))
                .check(random(ops, 1, 2, 3, 2, 6));
        OpGradientCheck.of(ops, in -> ops.rope(in.get(0), 1, positions, 4, 10000))
                .check(random(ops, 2, 2, 3, 2, 6));
        // Time as the first axis, nothing between it and the last.
        OpGradientCheck.of(ops, in -> ops.rope(in.get(0), 0, IntTensor.vector(7, 3), 2, 500))
                .check(random(ops, 3, 2, 4));
    }

    @EachBackend
    void crossEntropyWithAnIgnoredTarget(Ops ops) {
        IntTensor targets = IntTensor.of(new int[] {4, -100, 0, 2, 2, 1}, 2, 3);
        OpGradientCheck.of(ops, in -> ops.crossEntropy(in.get(0), targets, -100))
                .check(uniform(ops, 1, -2, 2, 2, 3, 5));
        OpGradientCheck.of(ops, in -> ops.crossEntropy(in.get(0), IntTensor.vector(1, 3), -1))
                .check(uniform(ops, 2, -2, 2, 2, 4));
    }

    @EachBackend
    void crossEntropyWithEveryTargetIgnoredIsZeroWithZeroGradient(Ops ops) {
        Variable logits = ops.leaf(random(ops, 1, 2, 3));
        Variable loss = ops.crossEntropy(logits, IntTensor.vector(-1, -1), -1);
        loss.backward();
        assertArrayEquals(new float[] {0f}, loss.value().toArray());
        assertArrayEquals(new float[6], logits.grad().orElseThrow().toArray());
    }

    /**
     * Rounding is piecewise constant, so finite differences of FP8 itself say nothing: the
     * check is that the gradient passes straight through, exactly.
     */
    @EachBackend
    void fp8PassesTheGradientStraightThrough(Ops ops) {
        for (boolean powerOfTwo : new boolean[] {false, true}) {
            Tensor xValue = uniform(ops, 1, -3, 3, 2, 3, 8);
            Variable x = ops.leaf(xValue);
            Variable y = ops.fp8E4m3(x, 4, powerOfTwo);
            assertFalse(Arrays.equals(xValue.toArray(), y.value().toArray()),
                    "fp8 should round some values");
            Tensor w = random(ops, 2, 2, 3, 8);
            ops.sum(ops.mul(y, ops.constant(w)), false).backward();
            assertArrayEquals(w.toArray(), x.grad().orElseThrow().toArray());
        }
    }

    @EachBackend
    void fp8InsideAComposition(Ops ops) {
        // d/dx sum(fp8(x) * x * w): the straight-through rule treats fp8(x) as x for the
        // derivative, giving fp8(x) * w + x * w.
        Tensor xValue = uniform(ops, 3, -2, 2, 3, 4);
        Tensor w = random(ops, 4, 3, 4);
        Variable x = ops.leaf(xValue);
        Variable q = ops.fp8E4m3(x, 2, false);
        ops.sum(ops.mul(ops.mul(q, x), ops.constant(w)), false).backward();
        float[] expected = new float[12];
        float[] xs = xValue.toArray();
        float[] qs = q.value().toArray();
        float[] ws = w.toArray();
        for (int i = 0; i < expected.length; i++) {
            expected[i] = qs[i] * ws[i] + xs[i] * ws[i];
        }
        assertArrayEquals(expected, x.grad().orElseThrow().toArray(), 1e-6f);
    }
}
