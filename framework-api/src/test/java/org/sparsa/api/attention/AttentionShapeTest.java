package org.sparsa.api.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AttentionShapeTest {

    @Test
    void theShapeWithoutARotaryBaseHasTheDefault() {
        AttentionShape shape = new AttentionShape(1, 64, 4, 2, 16, 128);
        assertEquals(10000.0, shape.ropeTheta());
        assertEquals(new AttentionShape(1, 64, 4, 2, 16, 128, 10000.0), shape);
        assertEquals(500000.0, new AttentionShape(1, 64, 4, 2, 16, 128, 500000.0).ropeTheta());
    }

    @Test
    void aRotaryBaseMustBePositiveAndFinite() {
        for (double theta : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new AttentionShape(0, 64, 4, 2, 16, 128, theta));
            assertTrue(e.getMessage().contains("rope theta"), e.getMessage());
        }
    }

    @Test
    void headsMustGroupOverTheKvHeads() {
        assertThrows(IllegalArgumentException.class, () -> new AttentionShape(0, 64, 4, 3, 16,
                128));
    }
}
