package org.sparsa.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.compute.internal.JavaBackend;

/** What the graph records, where gradients go and when they are kept. */
class GraphSemanticsTest {
    private final Autograd ops = new Autograd(new JavaBackend());

    private Variable leaf(float... values) {
        return ops.leaf(ops.tensor(values, values.length));
    }

    /** {@code sum(x * x)}, whose gradient is {@code 2x}. */
    private Variable sumOfSquares(Variable x) {
        return ops.sum(ops.mul(x, x), false);
    }

    @Test
    void gradientsAccumulateOverBackwardPassesUntilZeroGrad() {
        Variable x = leaf(1, -2, 3);
        Variable loss = sumOfSquares(x);
        loss.backward();
        assertArrayEquals(new float[] {2, -4, 6}, x.grad().orElseThrow().toArray());
        loss.backward();
        sumOfSquares(x).backward();
        assertArrayEquals(new float[] {6, -12, 18}, x.grad().orElseThrow().toArray());
        x.zeroGrad();
        assertTrue(x.grad().isEmpty());
        sumOfSquares(x).backward();
        assertArrayEquals(new float[] {2, -4, 6}, x.grad().orElseThrow().toArray());
    }

    @Test
    void aVariableUsedTwiceGetsBothGradients() {
        Variable x = leaf(1, 2);
        Variable y = ops.mul(x, x);
        // z = y + 3y: dz/dx = 4 * 2x.
        ops.sum(ops.add(y, ops.scale(y, 3)), false).backward();
        assertArrayEquals(new float[] {8, 16}, x.grad().orElseThrow().toArray());
    }

    @Test
    void onlyLeavesKeepGradients() {
        Variable x = leaf(1, 2);
        Variable y = ops.exp(x);
        ops.sum(y, false).backward();
        assertTrue(y.requiresGrad());
        assertTrue(y.grad().isEmpty(), "intermediate gradients are released");
        assertTrue(x.grad().isPresent());
    }

    @Test
    void inputsThatNeedNoGradientAreSkipped() {
        Variable x = leaf(1, 2);
        Variable c = ops.constant(new float[] {3, 4}, 2);
        ops.sum(ops.mul(x, c), false).backward();
        assertArrayEquals(new float[] {3, 4}, x.grad().orElseThrow().toArray());
        assertFalse(c.requiresGrad());
        assertTrue(c.grad().isEmpty());
        Variable onlyConstants = ops.mul(c, c);
        assertFalse(onlyConstants.requiresGrad(), "ops on constants record nothing");
    }

    @Test
    @SuppressWarnings("try")
    void noGradRegionsNestAndRecordNothing() {
        Variable x = leaf(1, 2);
        assertTrue(ops.isRecording());
        try (GradScope outer = ops.noGrad()) {
            assertFalse(ops.isRecording());
            try (GradScope inner = ops.noGrad()) {
                assertFalse(ops.isRecording());
                assertFalse(ops.exp(x).requiresGrad());
            }
            assertFalse(ops.isRecording(), "closing the inner region keeps the outer one");
            Variable y = ops.sum(ops.mul(x, x), false);
            assertFalse(y.requiresGrad());
            IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
            assertTrue(e.getMessage().contains("needs no gradient"), e.getMessage());
        }
        assertTrue(ops.isRecording());
        assertTrue(ops.exp(x).requiresGrad());
        assertTrue(x.grad().isEmpty());
    }

    @Test
    @SuppressWarnings("try")
    void noGradIsPerThread() throws InterruptedException {
        boolean[] recordingElsewhere = new boolean[1];
        try (GradScope scope = ops.noGrad()) {
            Thread other = new Thread(() -> recordingElsewhere[0] = ops.isRecording());
            other.start();
            other.join();
        }
        assertTrue(recordingElsewhere[0]);
    }

    @Test
    void detachStopsGradients() {
        Variable x = leaf(1, 2);
        Variable y = ops.mul(x, x);
        Variable detached = ops.detach(y);
        assertFalse(detached.requiresGrad());
        assertArrayEquals(y.value().toArray(), detached.value().toArray());
        // d/dx sum(detach(x^2) * x) = x^2, not 3x^2.
        ops.sum(ops.mul(detached, x), false).backward();
        assertArrayEquals(new float[] {1, 4}, x.grad().orElseThrow().toArray());
    }

    @Test
    void backwardNeedsASingleValue() {
        Variable x = leaf(1, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ops.mul(x, x).backward());
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("single value"),
                e.getMessage());
        // A single value of any rank will do.
        Variable one = ops.sum(ops.reshape(ops.mul(x, x), 1, 2), true);
        assertArrayEquals(new int[] {1, 1}, one.shape());
        one.backward();
        assertArrayEquals(new float[] {2, 4}, x.grad().orElseThrow().toArray());
    }

    @Test
    void backwardFromALeafAddsOne() {
        Variable x = leaf(5);
        x.backward();
        assertArrayEquals(new float[] {1}, x.grad().orElseThrow().toArray());
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Variable x = leaf(1, 2);
        Variable y = x;
        for (int i = 0; i < 50_000; i++) {
            y = ops.add(y, x);
        }
        ops.sum(y, false).backward();
        assertArrayEquals(new float[] {50_001, 50_001}, x.grad().orElseThrow().toArray());
    }

    @Test
    void variablesOfAnotherOpSetAreRejected() {
        Autograd other = new Autograd(new JavaBackend());
        Variable x = leaf(1);
        Variable y = other.leaf(other.tensor(new float[] {2}, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.add(x, y));
        assertTrue(e.getMessage().startsWith("add: right operand belongs to another op set"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ops.exp(null));
    }

    @Test
    void variablesReportTheirOpSet() {
        Variable x = leaf(1);
        assertEquals(ops, x.ops());
        assertEquals(ops, ops.exp(x).ops());
        assertEquals(BackendKind.JAVA, ops.backend());
        assertTrue(x.name().isEmpty());
        assertEquals("w", ops.parameter("w", ops.tensor(new float[] {1}, 1)).name().orElseThrow());
    }

    // --- custom functions ---------------------------------------------------------------------

    /** {@code x^3}, backward {@code 3x^2}; records what the context told it. */
    private static final class Cube implements DifferentiableFunction {
        BackendKind backend;
        boolean needed;

        @Override
        public Tensor[] forward(FunctionContext context, Tensor... inputs) {
            backend = context.backend();
            needed = context.needsGradient(0);
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
                dx[i] = 3 * x[i] * x[i] * dy[i];
            }
            return new Tensor[] {context.tensor(dx, outputGradients[0].shape())};
        }
    }

    @Test
    void aCustomFunctionJoinsTheGraph() {
        Variable x = leaf(1, -2);
        Cube cube = new Cube();
        List<Variable> out = ops.apply(cube, ops.scale(x, 2));
        assertEquals(1, out.size());
        assertArrayEquals(new float[] {8, -64}, out.get(0).value().toArray());
        assertEquals(BackendKind.JAVA, cube.backend);
        assertTrue(cube.needed);
        // d/dx sum((2x)^3) = 24 x^2.
        ops.sum(out.get(0), false).backward();
        assertArrayEquals(new float[] {24, 96}, x.grad().orElseThrow().toArray());
    }

    @Test
    void aCustomFunctionOnConstantsRecordsNothing() {
        Cube cube = new Cube();
        Variable y = ops.apply(cube, ops.constant(new float[] {2}, 1)).get(0);
        assertFalse(cube.needed);
        assertFalse(y.requiresGrad());
    }

    @Test
    void aCustomFunctionMayOmitGradientsThatAreNotNeeded() {
        DifferentiableFunction times = new DifferentiableFunction() {
            @Override
            public Tensor[] forward(FunctionContext context, Tensor... inputs) {
                context.save(inputs);
                float[] a = inputs[0].toArray();
                float[] b = inputs[1].toArray();
                return new Tensor[] {context.tensor(new float[] {a[0] * b[0]}, 1)};
            }

            @Override
            public Tensor[] backward(FunctionContext context, Tensor... grads) {
                float g = grads[0].toArray()[0];
                float a = context.saved().get(0).toArray()[0];
                float b = context.saved().get(1).toArray()[0];
                return new Tensor[] {
                    context.needsGradient(0) ? context.tensor(new float[] {g * b}, 1) : null,
                    context.needsGradient(1) ? context.tensor(new float[] {g * a}, 1) : null};
            }
        };
        Variable a = leaf(3);
        Variable b = ops.constant(new float[] {5}, 1);
        ops.sum(ops.apply(times, a, b).get(0), false).backward();
        assertArrayEquals(new float[] {5}, a.grad().orElseThrow().toArray());
    }

    @Test
    void aCustomGradientOfTheWrongShapeIsNamed() {
        DifferentiableFunction wrong = new DifferentiableFunction() {
            @Override
            public Tensor[] forward(FunctionContext context, Tensor... inputs) {
                return new Tensor[] {inputs[0]};
            }

            @Override
            public Tensor[] backward(FunctionContext context, Tensor... grads) {
                return new Tensor[] {context.tensor(new float[3], 3)};
            }
        };
        Variable x = leaf(1, 2);
        Variable loss = ops.sum(ops.apply(wrong, x).get(0), false);
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains(wrong.getClass().getName())
                && e.getMessage().contains("[3]") && e.getMessage().contains("[2]"),
                e.getMessage());
    }

    @Test
    void aMissingCustomGradientIsNamed() {
        DifferentiableFunction missing = new DifferentiableFunction() {
            @Override
            public Tensor[] forward(FunctionContext context, Tensor... inputs) {
                return new Tensor[] {inputs[0]};
            }

            @Override
            public Tensor[] backward(FunctionContext context, Tensor... grads) {
                return new Tensor[] {null};
            }
        };
        Variable loss = ops.sum(ops.apply(missing, leaf(1)).get(0), false);
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains(missing.getClass().getName())
                && e.getMessage().contains("no gradient for input 0"), e.getMessage());
    }
}
