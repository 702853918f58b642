package org.sparsa.runner.internal.sweep;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * How many trials a local sweep runs at once by default: half the cores, since a training run
 * keeps about two busy, and at most one per two GiB of free memory, which a small run's heap
 * and the JVM need; at least one.
 */
public final class Workers {
    private static final long GIB = 1L << 30;

    private Workers() {
    }

    /** {@code max(1, min(cores / 2, free memory in GiB / 2))}. */
    public static int byDefault() {
        return count(Runtime.getRuntime().availableProcessors(), freeMemory());
    }

    static int count(int cores, long freeBytes) {
        int byCores = cores / 2;
        // Unknown free memory does not limit the pool.
        long byMemory = freeBytes < 0 ? Integer.MAX_VALUE : freeBytes / GIB / 2;
        return (int) Math.max(1, Math.min(byCores, byMemory));
    }

    private static long freeMemory() {
        // Read as an MBean attribute: importing com.sun.management would tie the bundle to a
        // JDK-internal package the framework does not export.
        try {
            Object free = ManagementFactory.getPlatformMBeanServer().getAttribute(
                    new ObjectName("java.lang:type=OperatingSystem"), "FreeMemorySize");
            return free instanceof Long bytes ? bytes : -1;
        } catch (JMException | RuntimeException e) {
            return -1;
        }
    }
}
