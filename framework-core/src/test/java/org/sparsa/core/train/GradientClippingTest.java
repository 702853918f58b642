package org.sparsa.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.tensor.DenseTensor;

class GradientClippingTest {
    private final Autograd ops = new Autograd(new JavaBackend());

    private ParameterStore store() {
        ParameterStore store = new ParameterStore(ops, 1);
        store.create("", List.of(new ParameterSpec("a", List.of(1), "zeros", 0),
                new ParameterSpec("b", List.of(1), "zeros", 0),
                new ParameterSpec("c", List.of(2), "zeros", 0)));
        store.setGrad("a", DenseTensor.copyOf(new float[] {3}, 1));
        store.setGrad("b", DenseTensor.copyOf(new float[] {4}, 1));
        return store;
    }

    @Test
    void scalesEveryGradientToTheMaximumNorm() {
        ParameterStore store = store();
        assertEquals(5.0, GradientClipping.clipByGlobalNorm(store, 1.0), 0);
        double scale = 1.0 / (5 + 1e-6);
        assertEquals((float) (3 * scale), store.get("a").grad().orElseThrow().item());
        assertEquals((float) (4 * scale), store.get("b").grad().orElseThrow().item());
        assertEquals(1.0, GradientClipping.globalNorm(store), 1e-6);
    }

    @Test
    void leavesGradientsBelowTheMaximumAsTheyAre() {
        ParameterStore store = store();
        Tensor before = store.get("a").grad().orElseThrow();
        assertEquals(5.0, GradientClipping.clipByGlobalNorm(store, 5.0), 0);
        assertSame(before, store.get("a").grad().orElseThrow());
    }

    @Test
    void frozenParametersDoNotCount() {
        ParameterStore store = store();
        store.freeze("b");
        assertEquals(3.0, GradientClipping.globalNorm(store), 0);
    }

    @Test
    void aNonFiniteNormLeavesGradientsForTheCallerToJudge() {
        ParameterStore store = store();
        store.setGrad("c", DenseTensor.copyOf(new float[] {Float.NaN, 1}, 2));
        assertEquals(Double.NaN, GradientClipping.clipByGlobalNorm(store, 1.0));
        assertArrayEquals(new float[] {3}, store.get("a").grad().orElseThrow().toArray());
    }

    @Test
    void rejectsANonPositiveMaximum() {
        assertThrows(IllegalArgumentException.class,
                () -> GradientClipping.clipByGlobalNorm(store(), 0));
    }
}
