package org.sparsa.core.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class Fp8E4m3Test {

    @Test
    void roundsToTheNearestE4m3ValueTiesToEven() {
        assertEquals(0.0, Fp8E4m3.round(0.0));
        assertEquals(448.0, Fp8E4m3.round(448.0));
        assertEquals(-448.0, Fp8E4m3.round(-440.0)); // halfway between 416 and 448: even is 448
        assertEquals(240.0, Fp8E4m3.round(240.0));
        assertEquals(1.0, Fp8E4m3.round(1.0625)); // halfway between 1 and 1.125: even is 1
        assertEquals(1.25, Fp8E4m3.round(1.1875)); // halfway between 1.125 and 1.25: even is 1.25
        assertEquals(1.125, Fp8E4m3.round(1.1));
        assertEquals(-3.5, Fp8E4m3.round(-3.4));
    }

    @Test
    void subnormalsAreMultiplesOfTwoToTheMinusNine() {
        assertEquals(0x1p-9, Fp8E4m3.round(0x1p-9));
        assertEquals(0.0, Fp8E4m3.round(0x1p-10)); // half a step: even is 0
        assertEquals(0x1p-8, Fp8E4m3.round(3 * 0x1p-10)); // one and a half steps: even is 2
        assertEquals(7 * 0x1p-9, Fp8E4m3.round(7.2 * 0x1p-9));
        assertEquals(0x1p-6, Fp8E4m3.round(0x1p-6)); // the smallest normal
    }

    @Test
    void scalesAreAmaxOver448RoundedUpToPowersOfTwoWhenAsked() {
        assertEquals(1.0, Fp8E4m3.scale(448, false));
        assertEquals(1.0, Fp8E4m3.scale(448, true));
        assertEquals(2.0, Fp8E4m3.scale(449, true));
        assertEquals(Fp8E4m3.MIN_AMAX / 448, Fp8E4m3.scale(0, false));
        assertEquals(0x1p-22, Fp8E4m3.scale(0, true)); // 1e-4/448 ~ 2.2e-7 rounds up to 2^-22
    }

    @Test
    void quantisesPerRowAndGroup() {
        float[] x = {448, 1, -0.5f, 0, /* row 2 */ 3, 3.3f, 0, 0};
        float[] y = new float[8];
        float[] scales = new float[4];
        Fp8E4m3.quantizeDequantize(x, 2, 4, 2, true, y, scales);
        assertArrayEquals(new float[] {1, 0x1p-9f, 0x1p-7f, 0x1p-22f}, scales);
        // Group (3, 3.3): scale 2^-7 (3.3/448 rounded up); 3.3 * 128 = 422.4 rounds to 416.
        assertArrayEquals(new float[] {448, 1, -0.5f, 0, 3, 416 * 0x1p-7f, 0, 0}, y);
        assertThrows(IllegalArgumentException.class,
                () -> Fp8E4m3.quantizeDequantize(x, 2, 4, 3, true, y, scales));
        assertThrows(IllegalArgumentException.class,
                () -> Fp8E4m3.quantizeDequantize(x, 2, 4, 2, true, y, new float[3]));
    }
}
