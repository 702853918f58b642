package org.sparsa.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void warmupCosineRisesLinearlyThenDecaysToTheFloor() {
        LearningRateSchedule s = LearningRateSchedule.warmupCosine(1e-3, 10, 110, 1e-4);
        assertEquals(0, s.at(0));
        assertEquals(5e-4, s.at(5), 1e-15);
        assertEquals(1e-3, s.at(10), 1e-15);
        assertEquals((1e-3 + 1e-4) / 2, s.at(60), 1e-15);
        assertEquals(1e-4, s.at(110), 1e-15);
        assertEquals(1e-4, s.at(1000), 0);
        for (long step = 11; step < 110; step++) {
            assertTrue(s.at(step) < s.at(step - 1), "decreasing at " + step);
        }
    }

    @Test
    void warmupConstantAndConstant() {
        LearningRateSchedule w = LearningRateSchedule.warmupConstant(2, 4);
        assertEquals(0, w.at(0));
        assertEquals(1, w.at(2));
        assertEquals(2, w.at(4));
        assertEquals(2, w.at(400));
        assertEquals(2, LearningRateSchedule.warmupConstant(2, 0).at(0));
        assertEquals(0.5, LearningRateSchedule.constant(0.5).at(123));
    }

    @Test
    void argumentsAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.warmupCosine(1, 10, 10, 0));
        assertTrue(e.getMessage().contains("totalSteps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.warmupCosine(1, 0, 10, 2));
        assertTrue(e.getMessage().contains("minLr"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.warmupConstant(1, -1));
        assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.constant(Double.POSITIVE_INFINITY));
    }
}
