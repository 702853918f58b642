package org.sparsa.core.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SplitMix64Test {

    @Test
    void matchesTheReferenceSequence() {
        // The reference implementation (Vigna's splitmix64.c) seeded with 0.
        SplitMix64 random = SplitMix64.seeded(0);
        assertEquals(0xe220a8397b1dcdafL, random.nextLong());
        assertEquals(0x6e789e6aa1b965f4L, random.nextLong());
        assertEquals(0x06c45d188009454fL, random.nextLong());
    }

    @Test
    void aRestoredStateContinuesTheSameSequence() {
        SplitMix64 random = SplitMix64.forPurpose(42, "data");
        for (int i = 0; i < 17; i++) {
            random.nextInt(10);
        }
        SplitMix64 resumed = SplitMix64.ofState(random.state());
        for (int i = 0; i < 100; i++) {
            assertEquals(random.nextLong(), resumed.nextLong());
            assertEquals(random.nextDouble(), resumed.nextDouble());
            assertEquals(random.nextGaussian(), resumed.nextGaussian());
            assertEquals(random.nextInt(7), resumed.nextInt(7));
        }
        assertEquals(random.state(), resumed.state());
    }

    @Test
    void purposesGiveIndependentRepeatableStreams() {
        assertEquals(SplitMix64.forPurpose(1, "data").nextLong(),
                SplitMix64.forPurpose(1, "data").nextLong());
        assertNotEquals(SplitMix64.forPurpose(1, "data").nextLong(),
                SplitMix64.forPurpose(1, "dropout").nextLong());
        assertNotEquals(SplitMix64.forPurpose(1, "data").nextLong(),
                SplitMix64.forPurpose(2, "data").nextLong());
    }

    @Test
    void splitDependsOnTheCurrentStateAndDoesNotAdvanceIt() {
        SplitMix64 root = SplitMix64.seeded(7);
        long before = root.state();
        SplitMix64 data = root.split("data");
        assertEquals(before, root.state());
        assertEquals(data.nextLong(), root.split("data").nextLong());
        assertNotEquals(root.split("data").nextLong(), root.split("init").nextLong());
    }

    @Test
    void boundedAndUnitValuesStayInRange() {
        SplitMix64 random = SplitMix64.seeded(3);
        int[] counts = new int[3];
        for (int i = 0; i < 30_000; i++) {
            int v = random.nextInt(3);
            counts[v]++;
            double d = random.nextDouble();
            assertTrue(d >= 0 && d < 1);
            float f = random.nextFloat();
            assertTrue(f >= 0 && f < 1);
        }
        for (int c : counts) {
            assertTrue(c > 9_000 && c < 11_000, "count " + c);
        }
        assertThrows(IllegalArgumentException.class, () -> random.nextInt(0));
    }
}
