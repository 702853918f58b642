package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Conversions, random tensors and a tolerance check shared by the attention tests. */
final class AttentionTensors {

    private AttentionTensors() {
    }

    static float[] gaussian(SplittableRandom random, int n, double sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * sigma);
        }
        return x;
    }

    static double[] widen(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    static float[] narrow(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    /** Fails naming the first element with {@code |got - want| > atol + rtol * |want|}. */
    static void assertClose(String what, double[] want, float[] got, double atol, double rtol) {
        if (want.length != got.length) {
            fail(what + ": " + got.length + " values, expected " + want.length);
        }
        for (int i = 0; i < want.length; i++) {
            double error = Math.abs(got[i] - want[i]);
            if (!(error <= atol + rtol * Math.abs(want[i]))) {
                fail(what + ": flat index " + i + " want " + want[i] + " got " + got[i]
                        + " (error " + error + ")");
            }
        }
    }
}
