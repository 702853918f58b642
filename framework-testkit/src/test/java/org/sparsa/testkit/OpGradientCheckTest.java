package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsa.testkit.OpGradientCheck.random;

import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;

/** The checker's own behaviour: what it checks, what it skips, how it reports. */
class OpGradientCheckTest {
    private final Ops ops = new Autograd(new JavaBackend());

    /** {@code a * b} whose backward is right for {@code a} and wrong (doubled) for {@code b}. */
    private static final class WrongForB implements DifferentiableFunction {
        @Override
        public Tensor[] forward(FunctionContext context, Tensor... inputs) {
            float[] a = inputs[0].toArray();
            float[] b = inputs[1].toArray();
            float[] y = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                y[i] = a[i] * b[i];
            }
            context.save(inputs);
            return new Tensor[] {context.tensor(y, inputs[0].shape())};
        }

        @Override
        public Tensor[] backward(FunctionContext context, Tensor... grads) {
            float[] a = context.saved().get(0).toArray();
            float[] b = context.saved().get(1).toArray();
            float[] g = grads[0].toArray();
            float[] da = new float[a.length];
            float[] db = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                da[i] = g[i] * b[i];
                db[i] = 2 * g[i] * a[i];
            }
            int[] shape = grads[0].shape();
            return new Tensor[] {context.tensor(da, shape),
                context.needsGradient(1) ? context.tensor(db, shape) : null};
        }
    }

    @Test
    void constantInputsAreNotChecked() {
        OpGradientCheck check = OpGradientCheck.of(ops,
                in -> ops.apply(new WrongForB(), in.get(0), in.get(1)).get(0));
        OpGradientCheck.Result both = check.compare(random(ops, 1, 4), random(ops, 2, 4));
        assertFalse(both.passed());
        assertTrue(both.failure().startsWith("gradient of input 1 [4], component "),
                both.failure());
        assertTrue(check.constant(1).compare(random(ops, 1, 4), random(ops, 2, 4)).passed());
    }

    @Test
    void anInputTheOutputIgnoresHasAZeroGradient() {
        OpGradientCheck.Result result = OpGradientCheck.of(ops, in -> ops.exp(in.get(0)))
                .check(random(ops, 1, 3), random(ops, 2, 2));
        assertTrue(result.worstRatio() < 0.5, result.toString());
    }

    @Test
    void theToleranceDecides() {
        OpGradientCheck check = OpGradientCheck.of(ops,
                in -> ops.apply(new WrongForB(), in.get(0), in.get(1)).get(0));
        // An error of the gradient's own size passes only a tolerance larger than the gradient.
        assertTrue(check.tolerance(10, 0).compare(random(ops, 1, 4), random(ops, 2, 4))
                .passed());
        assertEquals(0, OpGradientCheck.of(ops, in -> ops.scale(in.get(0), 2))
                .compare(random(ops, 3, 2)).worstError(), 1e-4);
    }

    @Test
    void aStepMustBePositive() {
        OpGradientCheck check = OpGradientCheck.of(ops, in -> in.get(0));
        assertThrows(IllegalArgumentException.class, () -> check.step(0));
        assertThrows(IllegalArgumentException.class, () -> check.step(-1e-3));
    }
}
