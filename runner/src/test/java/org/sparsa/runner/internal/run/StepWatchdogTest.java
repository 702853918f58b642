package org.sparsa.runner.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.sparsa.runner.internal.plugins.UsedPlugins;

class StepWatchdogTest {
    private final StepWatchdog watchdog = new StepWatchdog(new PluginBlame(new UsedPlugins(
            new ShippedPlugins())));

    /** Sleeps {@code ms} milliseconds whatever interrupts come, as code stuck natively does. */
    private static void deafSleep(long ms) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                // Deaf on purpose.
            }
        }
    }

    @Test
    void anOverrunStepFailsTheRunAndTheThreadThatComesBackStopsAtItsNextBoundary()
            throws Exception {
        AtomicReference<RuntimeException> cameBack = new AtomicReference<>();
        CountDownLatch returned = new CountDownLatch(1);
        StepTimeoutException timeout = assertThrows(StepTimeoutException.class,
                () -> watchdog.run(() -> {
                    watchdog.stageStarts("train", 4, 1);
                    watchdog.boundary(4);
                    deafSleep(3500);
                    try {
                        watchdog.boundary(5);
                    } catch (RuntimeException e) {
                        cameBack.set(e);
                    }
                    returned.countDown();
                    return null;
                }));
        assertTrue(timeout.getMessage().startsWith("step 5 of stage 'train' did not finish "
                + "within 1 s (step_timeout); no plugin's code is on its stack, which is at "),
                timeout::getMessage);
        assertTrue(returned.await(10, TimeUnit.SECONDS));
        assertTrue(cameBack.get() instanceof StepTimeoutException, () -> "" + cameBack.get());
    }

    @Test
    void aLimitOfZeroLetsAStepTakeAsLongAsItTakes() throws Exception {
        assertEquals("done", watchdog.run(() -> {
            watchdog.stageStarts("train", 0, 0);
            Thread.sleep(1200);
            watchdog.boundary(1);
            return "done";
        }));
    }

    @Test
    void eachBoundaryRestartsTheClockAndABodysFailureComesOutAsItWas() {
        IOException failure = new IOException("disk gone");
        assertSame(failure, assertThrows(IOException.class, () -> watchdog.run(() -> {
            watchdog.stageStarts("train", 0, 1);
            for (int step = 1; step <= 4; step++) {
                Thread.sleep(400);
                watchdog.boundary(step);
            }
            watchdog.stageEnded();
            Thread.sleep(1200);
            throw failure;
        })));
    }
}
