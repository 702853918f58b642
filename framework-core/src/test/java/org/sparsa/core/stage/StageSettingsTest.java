package org.sparsa.core.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StageSettingsTest {

    private static StageSettings settings(String schedule, int batch, int accumulate,
            String mode) {
        return new StageSettings(10, batch, 8, 1e-3, schedule, 2, 1e-4, 0, 1, accumulate,
                List.of(), mode, 0, 4);
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
