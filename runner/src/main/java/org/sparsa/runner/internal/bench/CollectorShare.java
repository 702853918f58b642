package org.sparsa.runner.internal.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The share of wall time that the JVM's garbage collectors report for some runs of a task: what
 * the task's allocations cost, so that buffer reuse shows in a benchmark as a number. The
 * collectors count milliseconds, so a share is only meaningful over runs of a second or more.
 */
final class CollectorShare {

    private CollectorShare() {
    }

    /** Runs {@code task} {@code runs} times; returns collector time over wall time, 0 to 1. */
    static double of(Runnable task, int runs) {
        long collectedBefore = collectorMillis();
        long start = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            task.run();
        }
        double wallMillis = (System.nanoTime() - start) / 1e6;
        long collected = collectorMillis() - collectedBefore;
        return wallMillis <= 0 ? 0 : Math.min(1, collected / wallMillis);
    }

    /** The collectors' accumulated time; a collector that does not count reports -1. */
    private static long collectorMillis() {
        long total = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, collector.getCollectionTime());
        }
        return total;
    }
}
