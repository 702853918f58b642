package org.sparsa.runner.internal.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MedianTimerTest {

    @Test
    void theMedianIsPythonsMiddleValueOrMeanOfTheMiddleTwo() {
        assertEquals(3.0, MedianTimer.median(new double[] {5, 1, 3}));
        assertEquals(2.5, MedianTimer.median(new double[] {4, 1, 2, 3}));
        assertEquals(7.0, MedianTimer.median(new double[] {7}));
    }

    @Test
    void warmsUpThenTimesEachRunItsInputsPreparedOutsideTheClock() {
        List<String> calls = new ArrayList<>();
        int[] run = {0};
        double seconds = new MedianTimer(2, 3).seconds(() -> {
            int i = run[0]++;
            calls.add("prepare " + i);
            return () -> calls.add("run " + i);
        });
        assertEquals(List.of("prepare 0", "run 0", "prepare 1", "run 1", "prepare 2", "run 2",
                "prepare 3", "run 3", "prepare 4", "run 4"), calls);
        assertTrue(seconds >= 0 && seconds < 1, "a list append: " + seconds);
    }

    @Test
    void warmUpGoesOnUntilItsLeastTimeHasPassed() {
        int[] runs = {0};
        long start = System.nanoTime();
        new MedianTimer(1, 1, 0.2).seconds(() -> () -> {
            runs[0]++;
            sleep(10);
        });
        double elapsed = (System.nanoTime() - start) * 1e-9;
        // At least 0.2 s of 10 ms warm-up runs, then one timed run.
        assertTrue(elapsed >= 0.2, "elapsed " + elapsed);
        assertTrue(runs[0] >= 10, "runs " + runs[0]);
        runs[0] = 0;
        new MedianTimer(0, 1, 0.2).seconds(() -> () -> runs[0]++);
        assertEquals(1, runs[0], "no warm-up at all with --warmup 0");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void refusesCountsThatMeasureNothing() {
        assertThrows(IllegalArgumentException.class, () -> new MedianTimer(-1, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MedianTimer(1, 0));
        assertEquals("--repeats must be at least 1, found 0", e.getMessage());
    }
}
