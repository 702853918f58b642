package org.sparsa.runner.internal.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkersTest {
    private static final long GIB = 1L << 30;

    @Test
    void halfTheCoresAtMostOnePerTwoGibibytesAtLeastOne() {
        assertEquals(8, Workers.count(16, 64 * GIB));
        assertEquals(3, Workers.count(16, 7 * GIB));
        assertEquals(1, Workers.count(2, 64 * GIB));
        assertEquals(1, Workers.count(1, GIB / 2));
        assertEquals(4, Workers.count(8, -1), "unknown free memory does not limit");
        assertTrue(Workers.byDefault() >= 1);
    }
}
