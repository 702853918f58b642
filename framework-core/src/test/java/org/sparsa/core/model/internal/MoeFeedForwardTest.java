package org.sparsa.core.model.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The router's top-k choice. */
class MoeFeedForwardTest {

    @Test
    void topKTakesTheLargestFirstAndBreaksTiesToTheLowerIndex() {
        float[] probs = {
            0.1f, 0.4f, 0.1f, 0.4f,
            0.25f, 0.25f, 0.25f, 0.25f,
            0.7f, 0.1f, 0.15f, 0.05f,
        };
        assertArrayEquals(new int[] {1, 3, 0, 1, 0, 2}, MoeFeedForward.topK(probs, 4, 2));
        assertArrayEquals(new int[] {1, 0, 0}, MoeFeedForward.topK(probs, 4, 1));
    }
}
