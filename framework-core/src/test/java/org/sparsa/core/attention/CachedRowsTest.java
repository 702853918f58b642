package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CachedRowsTest {

    @Test
    void rowsPutInStepsReadBackPerSequence() {
        CachedRows rows = new CachedRows("test cache", 2, 100, 2);
        // Batch of two, three positions each: sequence 0 then sequence 1.
        rows.put(new float[] {1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16}, 0, 3);
        rows.put(new float[] {7, 8, 17, 18}, 3, 1);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, rows.prefix(0, 4));
        assertArrayEquals(new float[] {11, 12, 13, 14, 15, 16, 17, 18}, rows.prefix(1, 4));
        assertArrayEquals(new float[] {1, 2}, rows.prefix(0, 1));
    }

    @Test
    void arraysGrowByDoublingButNeverPastTheCapacity() {
        CachedRows rows = new CachedRows("test cache", 1, 40, 3);
        assertEquals(16 * 3, rows.reserve(0, 1).length);
        assertEquals(32 * 3, rows.reserve(0, 17).length);
        assertEquals(40 * 3, rows.reserve(0, 33).length);
        float[] before = rows.array(0);
        assertTrue(before == rows.reserve(0, 40), "a reserve that fits keeps the array");
    }

    @Test
    void sizesThatCannotWorkAreRefusedNamingTheCache() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> new CachedRows("nsa cache", 0, 10, 4));
        assertTrue(empty.getMessage().startsWith("nsa cache: "), empty.getMessage());
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> new CachedRows("nsa cache", 1, Integer.MAX_VALUE, 4));
        assertTrue(huge.getMessage().contains("do not fit in one array"), huge.getMessage());
    }
}
