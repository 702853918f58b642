package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Sizes and array lengths that do not fit are refused with a message that says why. */
class FullAttentionInputTest {
    private static final FullAttentionSpec SPEC = new FullAttentionSpec(3, 4, 2, 5, 0);

    @Test
    void specRefusesBadSizes() {
        assertMessage("queryHeads (3) must be a multiple of kvHeads (2)",
                () -> new FullAttentionSpec(4, 3, 2, 8, 0));
        assertMessage("window must be >= 0", () -> new FullAttentionSpec(4, 2, 2, 8, -1));
        assertMessage("length must be positive, found 0",
                () -> new FullAttentionSpec(0, 2, 2, 8, 0));
        assertMessage("kvHeads must be positive, found 0",
                () -> new FullAttentionSpec(4, 2, 0, 8, 0));
        assertMessage("headDim must be positive, found -8",
                () -> new FullAttentionSpec(4, 2, 2, -8, 0));
        assertMessage("does not fit in one Java array",
                () -> new FullAttentionSpec(1 << 16, 1 << 8, 1, 1 << 8, 0));
    }

    @Test
    void specDerivesGroupsAndVisibility() {
        FullAttentionSpec windowed = new FullAttentionSpec(10, 4, 2, 16, 3);
        assertEquals(2, windowed.groupSize());
        assertEquals(1, windowed.kvHeadOf(3));
        assertEquals(0.25, windowed.scale());
        assertEquals(3, windowed.firstVisibleKey(5));
        assertEquals(7, windowed.lastQuerySeeing(5));
        assertEquals(9, windowed.lastQuerySeeing(9));
        assertEquals(0, SPEC.firstVisibleKey(2));
        assertEquals(2, SPEC.lastQuerySeeing(0));
    }

    @Test
    void flashAttentionRefusesWrongLengths() {
        float[] q = new float[SPEC.querySize()];
        float[] kv = new float[SPEC.kvSize()];
        float[] lse = new float[SPEC.rowCount()];
        assertMessage("q has 59 values, expected 60 for shape [T, Hq, D] = [3, 4, 5]",
                () -> FlashAttention.forward(SPEC, new float[59], kv, kv));
        assertMessage("k has 60 values, expected 30 for shape [T, Hkv, D] = [3, 2, 5]",
                () -> FlashAttention.forward(SPEC, q, q, kv));
        assertMessage("v has 31 values",
                () -> FlashAttention.forward(SPEC, q, kv, new float[31]));
        assertMessage("lse has 3 values, expected 12 for shape [T, Hq] = [3, 4]",
                () -> FlashAttention.backward(SPEC, q, kv, kv, q, new float[3], q));
        assertMessage("o has 30 values",
                () -> FlashAttention.backward(SPEC, q, kv, kv, kv, lse, q));
        assertMessage("dout has 61 values",
                () -> FlashAttention.backward(SPEC, q, kv, kv, q, lse, new float[61]));
    }

    @Test
    void referenceRefusesWrongLengths() {
        double[] q = new double[SPEC.querySize()];
        double[] kv = new double[SPEC.kvSize()];
        assertMessage("q has 0 values",
                () -> FullAttentionReference.forward(SPEC, new double[0], kv, kv));
        assertMessage("v has 60 values",
                () -> FullAttentionReference.backward(SPEC, q, kv, q, q));
        assertMessage("dout has 30 values",
                () -> FullAttentionReference.backward(SPEC, q, kv, kv, kv));
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected),
                () -> "message '" + e.getMessage() + "' does not contain '" + expected + "'");
    }
}
