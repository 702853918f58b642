package org.sparsa.core.compute.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Random inputs and tolerant comparisons for the backend tests. */
public final class TestArrays {

    private TestArrays() {
    }

    /** Uniform values in {@code [-spread, spread)}. */
    public static float[] uniform(SplittableRandom random, int size, double spread) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * spread);
        }
        return values;
    }

    /** Values whose magnitude lies in {@code [low, high)}, with random signs. */
    public static float[] awayFromZero(SplittableRandom random, int size, double low, double high) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            double v = low + random.nextDouble() * (high - low);
            values[i] = (float) (random.nextBoolean() ? v : -v);
        }
        return values;
    }

    public static double[] widen(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    public static int size(int[] shape) {
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        return size;
    }

    /** Fails unless {@code |got - want| <= abs + rel |want|} everywhere (NaN matches NaN). */
    public static void assertClose(String name, double[] want, float[] got, double abs, double rel) {
        assertEquals(want.length, got.length, name + ": length");
        for (int i = 0; i < want.length; i++) {
            double w = want[i];
            double g = got[i];
            if (Double.isNaN(w) && Double.isNaN(g) || w == g) {
                continue;
            }
            if (!(Math.abs(g - w) <= abs + rel * Math.abs(w))) {
                fail(name + "[" + i + "]: expected " + w + ", got " + g);
            }
        }
    }

    /** Fails unless the two arrays hold the same bits. */
    public static void assertSameBits(String name, float[] want, float[] got) {
        assertEquals(want.length, got.length, name + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(name + "[" + i + "]: " + want[i] + " then " + got[i]);
            }
        }
    }
}
