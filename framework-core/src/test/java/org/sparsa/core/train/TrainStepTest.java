package org.sparsa.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;

class TrainStepTest {
    private static final int ROWS = 8;
    private static final int IN = 4;
    private static final int CLASSES = 3;

    private final Autograd ops = new Autograd(new JavaBackend());
    private final float[] inputs = new float[ROWS * IN];
    private final int[] targets = new int[ROWS];

    TrainStepTest() {
        SplitMix64 data = SplitMix64.forPurpose(5, "data");
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (float) data.nextGaussian();
        }
        for (int i = 0; i < ROWS; i++) {
            targets[i] = data.nextInt(CLASSES);
        }
    }

    private ParameterStore store() {
        ParameterStore store = new ParameterStore(ops, 11);
        store.create("", List.of(new ParameterSpec("w", List.of(IN, CLASSES), "normal", 0.5)));
        return store;
    }

    /** Mean cross-entropy of a linear classifier over rows [from, to). */
    private Variable loss(ParameterStore store, int from, int to) {
        Variable x = ops.constant(Arrays.copyOfRange(inputs, from * IN, to * IN), to - from, IN);
        Variable logits = ops.matmul(x, store.get("w"));
        return ops.crossEntropy(logits,
                IntTensor.of(Arrays.copyOfRange(targets, from, to), to - from), -100);
    }

    @Test
    void accumulatedMicroBatchesGiveTheGradientOfTheWholeBatch() {
        ParameterStore whole = store();
        TrainStep.Result one = new TrainStep(new AdamW(whole, AdamWOptions.of(0)),
                LearningRateSchedule.constant(0), Double.POSITIVE_INFINITY)
                .run(1, i -> loss(whole, 0, ROWS));
        ParameterStore parts = store();
        int k = 4;
        int rows = ROWS / k;
        TrainStep.Result accumulated = new TrainStep(new AdamW(parts, AdamWOptions.of(0)),
                LearningRateSchedule.constant(0), Double.POSITIVE_INFINITY)
                .run(k, i -> loss(parts, i * rows, (i + 1) * rows));
        float[] expected = whole.get("w").grad().orElseThrow().toArray();
        float[] actual = parts.get("w").grad().orElseThrow().toArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, "element " + i);
        }
        assertEquals(one.loss(), accumulated.loss(), 1e-6);
        assertEquals(one.gradNorm(), accumulated.gradNorm(), 1e-6);
        assertEquals(0, accumulated.step());
    }

    @Test
    void clipsThenStepsAtTheScheduledRate() {
        ParameterStore store = store();
        AdamW adam = new AdamW(store, AdamWOptions.of(1));
        TrainStep step = new TrainStep(adam,
                LearningRateSchedule.warmupConstant(0.1, 2), 1e-3);
        TrainStep.Result first = step.run(2, i -> loss(store, i * 4, i * 4 + 4));
        assertEquals(0, first.lr());
        assertTrue(first.gradNorm() > 1e-3);
        assertEquals(1e-3, GradientClipping.globalNorm(store), 1e-8);
        TrainStep.Result second = step.run(2, i -> loss(store, i * 4, i * 4 + 4));
        assertEquals(1, second.step());
        assertEquals(0.05, second.lr(), 1e-15);
        assertEquals(2, adam.steps());
    }

    @Test
    void frozenParametersSitOutAStageAndCountTheirOwnSteps() {
        ParameterStore store = store();
        store.create("", List.of(new ParameterSpec("b", List.of(CLASSES), "zeros", 0)));
        AdamW adam = new AdamW(store, AdamWOptions.of(0.1));
        TrainStep step = new TrainStep(adam, LearningRateSchedule.constant(0.1), 10);
        store.freeze("b");
        float[] w = store.get("w").value().toArray();
        step.run(1, i -> ops.add(loss(store, 0, ROWS), ops.sum(store.get("b"), false)));
        assertArrayEquals(new float[CLASSES], store.get("b").value().toArray());
        assertTrue(store.get("w").value().toArray()[0] != w[0]);
        store.unfreeze("b");
        step.run(1, i -> ops.add(loss(store, 0, ROWS), ops.sum(store.get("b"), false)));
        assertEquals(-0.1f, store.get("b").value().toArray()[0], 1e-6);
        assertEquals(2, adam.state().parameters().get("w").steps());
        assertEquals(1, adam.state().parameters().get("b").steps());
    }

    @Test
    void aFailingMicroBatchLeavesParametersAndOptimiserUntouched() {
        ParameterStore store = store();
        AdamW adam = new AdamW(store, AdamWOptions.of(0.1));
        TrainStep step = new TrainStep(adam, LearningRateSchedule.constant(0.1), 1);
        float[] before = store.get("w").value().toArray();
        assertThrows(IllegalStateException.class, () -> step.run(2, i -> {
            if (i == 1) {
                throw new IllegalStateException("data ran out");
            }
            return loss(store, 0, 4);
        }));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> step.run(1, i -> ops.scale(loss(store, 0, 4), Double.NaN)));
        assertTrue(e.getMessage().contains("did not step"), e.getMessage());
        assertArrayEquals(before, store.get("w").value().toArray());
        assertEquals(0, adam.steps());
        assertThrows(IllegalArgumentException.class, () -> step.run(0, i -> loss(store, 0, 4)));
    }

    @Test
    void aNonFiniteStepNamesTheParametersWithNonFiniteGradientsAndLeavesAdamWAlone() {
        ParameterStore store = new ParameterStore(ops, 11);
        store.create("", List.of(new ParameterSpec("w", List.of(IN, CLASSES), "normal", 0.5),
                new ParameterSpec("b", List.of(CLASSES), "zeros", 0)));
        AdamW adam = new AdamW(store, AdamWOptions.of(0.1));
        TrainStep step = new TrainStep(adam, LearningRateSchedule.constant(0.1), 1);
        step.run(1, i -> ops.add(loss(store, 0, 4), ops.sum(store.get("b"), false)));
        AdamWState before = adam.state();
        float[] w = store.get("w").value().toArray();
        // Only w's gradient is poisoned: b enters the loss on a finite path of its own.
        NonFiniteStepException e = assertThrows(NonFiniteStepException.class,
                () -> step.run(1, i -> ops.add(ops.scale(loss(store, 0, 4), Double.NaN),
                        ops.sum(store.get("b"), false))));
        assertEquals(List.of("w"), e.parameters());
        assertTrue(Double.isNaN(e.loss()) && Double.isNaN(e.gradNorm()), e.getMessage());
        assertEquals(1, e.step());
        assertTrue(e.getMessage().contains("1 parameter (w)"), e.getMessage());
        assertArrayEquals(w, store.get("w").value().toArray());
        assertEquals(1, adam.steps());
        assertEquals(before.parameters().keySet(), adam.state().parameters().keySet());
        for (String name : before.parameters().keySet()) {
            assertArrayEquals(before.parameters().get(name).expAvg(),
                    adam.state().parameters().get(name).expAvg());
            assertArrayEquals(before.parameters().get(name).expAvgSq(),
                    adam.state().parameters().get(name).expAvgSq());
        }
    }

    @Test
    void aLongListOfParametersIsShortenedToTheFirstFewAndTheirCount() {
        List<String> names = List.of("a", "b", "c", "d", "e", "f", "g");
        assertEquals("7 parameters (a, b, c, d, e, ...)",
                NonFiniteStepException.describe(names));
        assertEquals("no parameter", NonFiniteStepException.describe(List.of()));
    }
}
