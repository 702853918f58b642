package org.sparsa.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Picking a token: greedy, temperature, top-k and top-p, and their records. */
class SamplerTest {
    // Probabilities at temperature 1: 0.1, 0.2, 0.4, 0.2, 0.1 (up to normalisation).
    private static final float[] LOGITS = {
        (float) Math.log(0.1), (float) Math.log(0.2), (float) Math.log(0.4),
        (float) Math.log(0.2), (float) Math.log(0.1),
    };

    @Test
    void greedyTakesTheFirstLargest() {
        Sampler.Pick pick = Sampler.greedy().pick(new float[] {1, 3, 3, 2}, new SplittableRandom(1));
        assertEquals(1, pick.token());
        assertNull(pick.kept());
        assertEquals(0.0, pick.samplerLogProb());
        assertEquals(3 - Math.log(Math.exp(1) + 2 * Math.exp(3) + Math.exp(2)), pick.logProb(),
                1e-6);
    }

    @Test
    void samplingFollowsTheProbabilities() {
        SplittableRandom random = new SplittableRandom(3);
        int[] counts = new int[5];
        int draws = 40000;
        for (int i = 0; i < draws; i++) {
            Sampler.Pick pick = Sampler.temperature(1).pick(LOGITS, random);
            counts[pick.token()]++;
            assertNull(pick.kept());
            assertEquals(pick.logProb(), pick.samplerLogProb(), 1e-6);
        }
        double[] want = {0.1, 0.2, 0.4, 0.2, 0.1};
        for (int i = 0; i < 5; i++) {
            assertEquals(want[i], counts[i] / (double) draws, 0.01, "token " + i);
        }
    }

    @Test
    void topKAndTopPKeepTheMostLikelyTokens() {
        SplittableRandom random = new SplittableRandom(4);
        // Top-2: the 0.4 token and the first 0.2 one (ties to the lower id).
        Sampler.Pick k = new Sampler(1, 2, 1).pick(LOGITS, random);
        assertArrayEquals(new int[] {1, 2}, k.kept());
        assertEquals(Math.log((k.token() == 2 ? 0.4 : 0.2) / 0.6), k.samplerLogProb(), 1e-6);
        // Top-p 0.7: 0.4 + 0.2 = 0.6 < 0.7, so a third token joins.
        Sampler.Pick p = new Sampler(1, 0, 0.7).pick(LOGITS, random);
        assertArrayEquals(new int[] {1, 2, 3}, p.kept());
        // Top-p after top-k renormalises over the top-k: 0.4 / 0.6 reaches 0.6 alone.
        Sampler.Pick both = new Sampler(1, 2, 0.6).pick(LOGITS, random);
        assertArrayEquals(new int[] {2}, both.kept());
        assertEquals(2, both.token());
        assertEquals(0.0, both.samplerLogProb(), 1e-9);
        assertEquals(Math.log(0.4), both.logProb(), 1e-6);
    }

    @Test
    void invalidSettingsAreNamed() {
        assertMessage("temperature must be a finite number >= 0", () -> new Sampler(-1, 0, 1));
        assertMessage("top_k must be >= 0", () -> new Sampler(1, -1, 1));
        assertMessage("top_p must be in (0, 1]", () -> new Sampler(1, 0, 0));
        assertTrue(new Sampler(1, 3, 1).truncates());
        assertFalse(Sampler.greedy().truncates());
    }

    private static void assertMessage(String part, Runnable action) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(e.getMessage().contains(part), e::getMessage);
    }
}
