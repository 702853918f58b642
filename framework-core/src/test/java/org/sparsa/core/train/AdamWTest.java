package org.sparsa.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.tensor.DenseTensor;

class AdamWTest {
    private static final float[] START = {0.5f, -1.25f, 2f};
    private static final float[][] GRADS = {{0.1f, -0.2f, 0.3f}, {-0.05f, 0.4f, 0.0f},
        {0.2f, 0.2f, -0.7f}};

    private final Autograd ops = new Autograd(new JavaBackend());

    private ParameterStore store() {
        ParameterStore store = new ParameterStore(ops, 1);
        store.create("", List.of(new ParameterSpec("w", List.of(3), "zeros", 0),
                new ParameterSpec("frozen", List.of(2), "ones", 0)));
        store.replace("w", DenseTensor.copyOf(START, 3));
        return store;
    }

    /** AdamW in double, as the formulas read. */
    private static double[] reference(AdamWOptions o, int steps) {
        double[] p = new double[3];
        double[] m = new double[3];
        double[] v = new double[3];
        for (int i = 0; i < 3; i++) {
            p[i] = START[i];
        }
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < 3; i++) {
                double g = GRADS[t - 1][i];
                m[i] = o.beta1() * m[i] + (1 - o.beta1()) * g;
                v[i] = o.beta2() * v[i] + (1 - o.beta2()) * g * g;
                double mHat = m[i] / (1 - Math.pow(o.beta1(), t));
                double vHat = v[i] / (1 - Math.pow(o.beta2(), t));
                p[i] = p[i] * (1 - o.lr() * o.weightDecay())
                        - o.lr() * mHat / (Math.sqrt(vHat) + o.eps());
            }
        }
        return p;
    }

    private static void assertClose(double[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])),
                    "element " + i);
        }
    }

    private void runSteps(ParameterStore store, AdamW adam, int from, int to) {
        for (int t = from; t < to; t++) {
            store.zeroGrad();
            store.setGrad("w", DenseTensor.copyOf(GRADS[t], 3));
            adam.step();
        }
    }

    @Test
    void firstStepMovesEachValueByTheLearningRateAgainstItsGradientSign() {
        ParameterStore store = store();
        AdamW adam = new AdamW(store, AdamWOptions.of(0.01));
        runSteps(store, adam, 0, 1);
        // Bias correction makes m̂ = g and v̂ = g², so the step is lr * g / (|g| + eps).
        float[] w = store.get("w").value().toArray();
        assertEquals(0.5 - 0.01, w[0], 1e-7);
        assertEquals(-1.25 + 0.01, w[1], 1e-7);
        assertEquals(2 - 0.01, w[2], 1e-7);
        assertClose(reference(AdamWOptions.of(0.01), 1), w);
    }

    @Test
    void matchesTheDoubleReferenceOverSeveralSteps() {
        for (AdamWOptions options : List.of(AdamWOptions.of(0.01),
                AdamWOptions.of(0.05).withWeightDecay(0.1).withBetas(0.8, 0.95).withEps(1e-6))) {
            ParameterStore store = store();
            AdamW adam = new AdamW(store, options);
            runSteps(store, adam, 0, 3);
            assertClose(reference(options, 3), store.get("w").value().toArray());
            assertEquals(3, adam.steps());
        }
    }

    @Test
    void weightDecayIsDecoupledFromTheGradient() {
        ParameterStore store = store();
        AdamW adam = new AdamW(store, AdamWOptions.of(0.1).withWeightDecay(0.5));
        store.setGrad("w", DenseTensor.copyOf(new float[3], 3));
        adam.step();
        // A zero gradient leaves only the decay: p * (1 - lr * wd).
        float[] w = store.get("w").value().toArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(START[i] * 0.95, w[i], 1e-6);
        }
    }

    @Test
    void aParametersLearningRateFactorScalesItsStepAndItsDecay() {
        ParameterStore store = store();
        AdamWOptions options = AdamWOptions.of(0.02).withWeightDecay(0.5);
        AdamW adam = new AdamW(store, options, name -> true,
                name -> name.equals("w") ? 0.5 : 1);
        assertEquals(0.01, adam.learningRate("w", 0.02), 1e-15);
        assertEquals(0.02, adam.learningRate("frozen", 0.02), 1e-15);
        runSteps(store, adam, 0, 2);
        // Two steps at half the rate are the reference at half the rate, decay included.
        assertClose(reference(options.withLr(0.01), 2), store.get("w").value().toArray());
        AdamW negative = new AdamW(store, options, name -> true, name -> -1);
        assertThrows(IllegalArgumentException.class, () -> negative.learningRate("w", 0.02));
    }

    @Test
    void theDecayFilterExemptsParameters() {
        ParameterStore store = store();
        AdamW adam = new AdamW(store, AdamWOptions.of(0.1).withWeightDecay(0.5),
                name -> !name.equals("w"));
        store.setGrad("w", DenseTensor.copyOf(new float[3], 3));
        adam.step();
        assertArrayEquals(START, store.get("w").value().toArray());
    }

    @Test
    void skipsFrozenParametersAndThoseWithoutGradient() {
        ParameterStore store = store();
        store.freeze("frozen");
        AdamW adam = new AdamW(store, AdamWOptions.of(0.1));
        List<String> updated = adam.step(0.1);
        assertEquals(List.of(), updated);
        assertArrayEquals(START, store.get("w").value().toArray());
        store.setGrad("w", DenseTensor.copyOf(GRADS[0], 3));
        assertEquals(List.of("w"), adam.step(0.1));
        assertArrayEquals(new float[] {1, 1}, store.get("frozen").value().toArray());
        assertEquals(List.of("w"), List.copyOf(adam.state().parameters().keySet()));
        assertEquals(1, adam.state().parameters().get("w").steps());
        assertEquals(2, adam.steps());
    }

    @Test
    void aRestoredStateContinuesBitForBit() {
        ParameterStore a = store();
        AdamW adamA = new AdamW(a, AdamWOptions.of(0.02).withWeightDecay(0.01));
        runSteps(a, adamA, 0, 2);
        AdamWState state = adamA.state();

        ParameterStore b = store();
        b.replace("w", a.get("w").value());
        AdamW adamB = new AdamW(b, AdamWOptions.of(0.02).withWeightDecay(0.01));
        adamB.restore(state);
        runSteps(a, adamA, 2, 3);
        runSteps(b, adamB, 2, 3);
        assertArrayEquals(a.get("w").value().toArray(), b.get("w").value().toArray());
        assertArrayEquals(adamA.state().parameters().get("w").expAvgSq(),
                adamB.state().parameters().get("w").expAvgSq());
        assertEquals(3, adamB.steps());
    }

    @Test
    void restoreRejectsStateThatDoesNotFitAndChangesNothing() {
        ParameterStore store = store();
        AdamW adam = new AdamW(store, AdamWOptions.of(0.02));
        runSteps(store, adam, 0, 1);
        AdamWState before = adam.state();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> adam.restore(new AdamWState(5, java.util.Map.of("missing",
                        new AdamWState.Moments(new float[1], new float[1], 1)))));
        assertTrue(e.getMessage().contains("'missing'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> adam.restore(new AdamWState(5, java.util.Map.of("w",
                        new AdamWState.Moments(new float[2], new float[2], 1)))));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        assertEquals(before.steps(), adam.steps());
        assertArrayEquals(before.parameters().get("w").expAvg(),
                adam.state().parameters().get("w").expAvg());
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> AdamWOptions.of(-1));
        assertThrows(IllegalArgumentException.class, () -> AdamWOptions.of(1).withBetas(1, 0.9));
        assertThrows(IllegalArgumentException.class, () -> AdamWOptions.of(1).withEps(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AdamWOptions.of(1).withWeightDecay(Double.NaN));
        assertTrue(e.getMessage().contains("weightDecay"));
        ParameterStore store = store();
        AdamW adam = new AdamW(store, AdamWOptions.of(1));
        assertThrows(IllegalArgumentException.class, () -> adam.step(Double.NaN));
        assertFalse(adam.steps() > 0);
    }
}
