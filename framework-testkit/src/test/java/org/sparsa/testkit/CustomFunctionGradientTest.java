package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsa.testkit.OpGradientCheck.random;

import org.opentest4j.AssertionFailedError;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.tensor.Tensor;

/**
 * The checker on custom functions, as plugin authors use it, and on a deliberately wrong
 * backward, which it must reject.
 */
class CustomFunctionGradientTest {

    /** {@code x^3} with a backward of {@code factor * x^2} (right when the factor is 3). */
    private static final class Cube implements DifferentiableFunction {
        private final float factor;

        Cube(float factor) {
            this.factor = factor;
        }

        @Override
        public Tensor[] forward(FunctionContext context, Tensor... inputs) {
            float[] x = inputs[0].toArray();
            float[] y = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = x[i] * x[i] * x[i];
            }
            context.save(inputs[0]);
            return new Tensor[] {context.tensor(y, inputs[0].shape())};
        }

        @Override
        public Tensor[] backward(FunctionContext context, Tensor... outputGradients) {
            float[] x = context.saved().get(0).toArray();
            float[] dy = outputGradients[0].toArray();
            float[] dx = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                dx[i] = dy[i] * factor * x[i] * x[i];
            }
            return new Tensor[] {context.tensor(dx, outputGradients[0].shape())};
        }
    }

    /** {@code (a * b, a + b)}: two outputs, two inputs. */
    private static final class ProductAndSum implements DifferentiableFunction {
        @Override
        public Tensor[] forward(FunctionContext context, Tensor... inputs) {
            float[] a = inputs[0].toArray();
            float[] b = inputs[1].toArray();
            float[] p = new float[a.length];
            float[] s = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                p[i] = a[i] * b[i];
                s[i] = a[i] + b[i];
            }
            context.save(inputs[0], inputs[1]);
            int[] shape = inputs[0].shape();
            return new Tensor[] {context.tensor(p, shape), context.tensor(s, shape)};
        }

        @Override
        public Tensor[] backward(FunctionContext context, Tensor... outputGradients) {
            float[] a = context.saved().get(0).toArray();
            float[] b = context.saved().get(1).toArray();
            float[] dp = outputGradients[0].toArray();
            float[] ds = outputGradients[1].toArray();
            float[] da = new float[a.length];
            float[] db = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                da[i] = dp[i] * b[i] + ds[i];
                db[i] = dp[i] * a[i] + ds[i];
            }
            int[] shape = outputGradients[0].shape();
            return new Tensor[] {
                context.needsGradient(0) ? context.tensor(da, shape) : null,
                context.needsGradient(1) ? context.tensor(db, shape) : null};
        }
    }

    @EachBackend
    void aCorrectCustomBackwardPasses(Ops ops) {
        OpGradientCheck.Result result = OpGradientCheck
                .of(ops, in -> ops.apply(new Cube(3), in.get(0)).get(0))
                .check(random(ops, 1, 2, 3));
        assertTrue(result.worstRatio() < 1, result.toString());
    }

    @EachBackend
    void aMultiOutputCustomFunction(Ops ops) {
        // Both outputs used, only one used, and an input that needs no gradient.
        OpGradientCheck.of(ops, in -> {
            var out = ops.apply(new ProductAndSum(), in.get(0), in.get(1));
            return ops.add(ops.scale(out.get(0), 2), out.get(1));
        }).check(random(ops, 1, 2, 3), random(ops, 2, 2, 3));
        OpGradientCheck.of(ops, in -> ops.apply(new ProductAndSum(), in.get(0), in.get(1)).get(1))
                .check(random(ops, 3, 4), random(ops, 4, 4));
        OpGradientCheck.of(ops, in -> ops.apply(new ProductAndSum(), in.get(0), in.get(1)).get(0))
                .constant(1).check(random(ops, 5, 4), random(ops, 6, 4));
    }

    @EachBackend
    void aWrongBackwardFailsNamingTheComponent(Ops ops) {
        // 2x^2 instead of 3x^2: off by a third of the gradient.
        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> OpGradientCheck.of(ops, in -> ops.apply(new Cube(2), in.get(0)).get(0))
                        .check(random(ops, 1, 2, 3)));
        assertTrue(failure.getMessage().startsWith("gradient of input 0 [2, 3], component "),
                failure.getMessage());
        // Even 5% off is caught.
        OpGradientCheck.Result close = OpGradientCheck
                .of(ops, in -> ops.apply(new Cube(3.15f), in.get(0)).get(0))
                .compare(random(ops, 1, 2, 3));
        assertFalse(close.passed(), close.toString());
    }
}
