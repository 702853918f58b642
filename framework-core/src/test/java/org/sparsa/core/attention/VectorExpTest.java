package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VectorExpTest {

    @Test
    void theExponentialIsWithinOneUlpAndExactAtZero() {
        int n = 1 << 20;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Every argument the softmax passes, -87.3 (the least normal result) to 0, and a
            // little above 0, which the backward's exp(s - lse) can see after rounding.
            x[i] = -87.3f + 87.4f * i / (n - 1);
        }
        float[] y = x.clone();
        VectorExp.exp(y, 0, n, 0f, new float[n]);
        for (int i = 0; i < n; i++) {
            double want = Math.exp(x[i]);
            double ulps = Math.abs(y[i] - want) / Math.ulp((float) want);
            int index = i;
            assertTrue(ulps <= 1, () -> "e^" + x[index] + ": got " + y[index] + ", want " + want
                    + " (" + ulps + " ulp)");
        }
        float[] edges = {0f, -0f, 5f, 3f, Float.NEGATIVE_INFINITY, -1000f};
        VectorExp.exp(edges, 0, edges.length, 5f, new float[edges.length]);
        assertEquals(Math.exp(-5), edges[0], Math.ulp((float) Math.exp(-5)));
        assertEquals(1f, edges[2]);
        assertEquals((float) Math.exp(-2), edges[3], Math.ulp((float) Math.exp(-2)));
        // Far below the range: about the least normal float, negligible next to the row's
        // largest term, which is 1.
        assertEquals(Float.MIN_NORMAL, edges[4], Float.MIN_NORMAL * 1e-5f);
        assertEquals(edges[4], edges[5]);
    }

    @Test
    void aShiftPerElementGivesTheSameBitsAsOneShift() {
        float[] x = {-3f, 0.5f, 2f, -40f, 7f};
        float[] one = x.clone();
        VectorExp.exp(one, 0, x.length, 1.25f, new float[x.length]);
        float[] each = x.clone();
        VectorExp.exp(each, 0, x.length, new float[] {1.25f, 1.25f, 1.25f, 1.25f, 1.25f},
                new float[x.length]);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(one[i]), Float.floatToRawIntBits(each[i]));
        }
    }
}
