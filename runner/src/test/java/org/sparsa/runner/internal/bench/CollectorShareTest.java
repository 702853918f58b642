package org.sparsa.runner.internal.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The collector share counts the collections a task causes. */
class CollectorShareTest {

    @Test
    void aTaskThatCallsTheCollectorHasAShareAboveZero() {
        // System.gc() makes a full collection, which every collector of this JVM counts.
        double share = CollectorShare.of(System::gc, 5);
        assertTrue(share > 0 && share <= 1, "share " + share);
    }
}
