package org.sparsa.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.core.parameter.ParameterStore;

class StageSettingsTest {

    private static StageSettings settings(String schedule, int batch, int accumulate,
            String mode) {
        return new StageSettings(10, batch, 8, 1e-3, schedule, 2, 1e-4, 0, 1, accumulate,
                List.of(), mode, 0, 4);
    }

    @Test
    void learningRateGroupsScaleTheScheduleForTheFirstGlobThatMatches() {
        ParameterStore store = new ParameterStore(new Autograd(new JavaBackend()), 1);
        store.create("", List.of(new ParameterSpec("a.indexer.wq", List.of(1), "zeros", 0),
                new ParameterSpec("a.indexer.wk", List.of(1), "zeros", 0),
                new ParameterSpec("a.q_proj", List.of(1), "zeros", 0)));
        Map<String, Double> groups = new LinkedHashMap<>();
        groups.put("*.wk", 5e-3);
        groups.put("*.indexer.*", 2e-3);
        StageSettings s = settings("constant", 4, 1, "default").withLrGroups(groups);
        ToDoubleFunction<String> scales = s.lrScales(store);
        assertEquals(5.0, scales.applyAsDouble("a.indexer.wk"), 1e-12);
        assertEquals(2.0, scales.applyAsDouble("a.indexer.wq"), 1e-12);
        assertEquals(1.0, scales.applyAsDouble("a.q_proj"), 1e-12);
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> s.withLrGroups(Map.of("*.indxer.*", 1e-3)).lrScales(store));
        assertTrue(typo.getMessage().contains("*.indxer.*"), typo.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> s.withLrGroups(Map.of("*", Double.NaN)));
    }

    @Test
    void lossWeightsAreNonNegativeAndNotBothZero() {
        StageSettings s = settings("constant", 4, 1, "default");
        assertEquals(1.0, s.lmLossWeight());
        assertEquals(1.0, s.auxLossWeight());
        assertEquals(0.0, s.withLossWeights(0, 1).lmLossWeight());
        assertThrows(IllegalArgumentException.class, () -> s.withLossWeights(0, 0));
        assertThrows(IllegalArgumentException.class, () -> s.withLossWeights(-1, 1));
    }

    @Test
    void somethingDueEveryKStepsIsDueThenAndAtTheEnd() {
        StageSettings s = settings("constant", 4, 1, StageSettings.DEFAULT_MODE);
        assertTrue(s.due(4, 4));
        assertTrue(s.due(4, 8));
        assertTrue(s.due(4, 10));
        assertFalse(s.due(4, 5));
        assertTrue(s.due(0, 10));
        assertFalse(s.due(0, 4));
    }

    @Test
    void schedulesWarmUpThenHoldOrDecay() {
        assertEquals(5e-4, settings("constant", 4, 1, "default").learningRates().at(1), 1e-12);
        assertEquals(1e-3, settings("constant", 4, 1, "default").learningRates().at(9), 1e-12);
        assertEquals(1e-4, settings("cosine", 4, 1, "default").learningRates().at(10), 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> settings("linear", 4, 1, "default").learningRates());
    }

    @Test
    void theDefaultModeLeavesEachPluginItsOwn() {
        assertNull(settings("constant", 4, 1, StageSettings.DEFAULT_MODE).modes(3));
        assertEquals(List.of("sparse", "sparse"), settings("constant", 4, 1, "sparse").modes(2));
    }

    @Test
    void theBatchMustSplitIntoTheMicroBatches() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings("constant", 6, 4, "default"));
        assertTrue(e.getMessage().contains("batch 6 is not a multiple of accumulate 4"));
    }
}
