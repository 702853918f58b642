package org.sparsa.runner.internal.run;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a run's stages on a training thread of their own while the calling thread watches the
 * clock: each step of a stage, from one step boundary to the next, may take the stage's
 * {@code step_timeout}. The clock of a stage's first step starts when the stage starts, and
 * what a loop does after a step (its evaluation, its checkpoint) counts towards that step,
 * since the next boundary comes after it; a stage kind that reports no boundaries is one step.
 *
 * <p>When a step overruns, the watchdog takes the training thread's stack, names the plugin it
 * is stuck in ({@link PluginBlame}), interrupts the thread and throws a
 * {@link StepTimeoutException} from {@link #run}, so the run fails like any other: its log,
 * metrics and checkpoints stay, the command ends with a non-zero status. A Java thread cannot
 * be killed: the stuck thread is a daemon and is left behind; {@code bin/sparsa} ends its JVM
 * when the command returns, and a framework that runs commands in a long-lived JVM keeps
 * running. Should the thread come back, it stops at its next step boundary.
 */
final class StepWatchdog {
    /** How long the watchdog waits for an interrupted training thread to unwind. */
    private static final long UNWIND_MS = 2000;

    private static final Logger LOG = LoggerFactory.getLogger(StepWatchdog.class);

    private final PluginBlame blame;
    private String stage;
    private long step;
    private long limitSeconds;
    private long deadline;
    private boolean armed;
    private boolean abandoned;
    private boolean finished;

    StepWatchdog(PluginBlame blame) {
        this.blame = blame;
    }

    /**
     * Runs {@code body} on a new training thread and returns what it returns.
     *
     * @throws StepTimeoutException when a step overran its stage's limit
     * @throws Exception what {@code body} threw
     */
    <T> T run(Callable<T> body) throws Exception {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread training = new Thread(() -> {
            try {
                result[0] = body.call();
            } catch (Throwable e) {
                failure[0] = e;
            } finally {
                synchronized (this) {
                    finished = true;
                    notifyAll();
                }
            }
        }, "sparsa-training");
        training.setDaemon(true);
        training.setContextClassLoader(Thread.currentThread().getContextClassLoader());
        training.start();
        synchronized (this) {
            while (!finished) {
                long left = armed ? deadline - System.nanoTime() : Long.MAX_VALUE;
                if (left <= 0) {
                    throw stuck(training);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    // The command is being stopped: so is the run, at its next boundary.
                    abandoned = true;
                    training.interrupt();
                    throw e;
                }
            }
        }
        if (failure[0] instanceof Exception e) {
            throw e;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    /**
     * Stage {@code name} starts at its step {@code firstStep}: the clock of the step after it
     * starts now, with {@code limitSeconds} per step (0: no limit).
     */
    synchronized void stageStarts(String name, long firstStep, long limitSeconds) {
        this.stage = name;
        this.limitSeconds = limitSeconds;
        arm(firstStep);
    }

    /**
     * At a step boundary of the running stage, {@code done} steps done: the next step's clock
     * starts.
     *
     * @throws StepTimeoutException when the run already failed for an overrun step, so that a
     *     training thread that comes back does not train on
     */
    synchronized void boundary(long done) {
        arm(done);
    }

    /** The running stage ended (or failed): no clock runs until the next stage starts. */
    synchronized void stageEnded() {
        armed = false;
        notifyAll();
    }

    private void arm(long done) {
        if (abandoned) {
            throw new StepTimeoutException("the run was stopped at step " + step + " of stage '"
                    + stage + "'; this training thread came back after it and stops here");
        }
        step = done + 1;
        armed = limitSeconds > 0;
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSeconds);
        notifyAll();
    }

    /** Gives up on the training thread, naming where it is stuck. */
    private StepTimeoutException stuck(Thread training) {
        abandoned = true;
        StackTraceElement[] stack = training.getStackTrace();
        Optional<PluginBlame.Culprit> culprit = blame.in(stack);
        String where = culprit.map(c -> "it is stuck in " + c)
                .orElseGet(() -> stack.length == 0 ? "its thread has no stack to show"
                        : "no plugin's code is on its stack, which is at "
                        + PluginBlame.render(stack[0]));
        StepTimeoutException timeout = new StepTimeoutException("step " + step + " of stage '"
                + stage + "' did not finish within " + limitSeconds + " s (step_timeout); "
                + where);
        Throwable trace = new Throwable("the training thread's stack");
        trace.setStackTrace(stack);
        LOG.error(timeout.getMessage(), trace);
        training.interrupt();
        // An interruptible wait (sleep, lock) unwinds now; give it a moment to do so before
        // the run closes what the thread was using.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNWIND_MS);
        long left;
        while (!finished && (left = until - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return timeout;
    }
}
