package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.ToDoubleFunction;

/**
 * Checks an analytic gradient against central finite differences computed in float64. Run the
 * function under test in double precision (or on inputs where float32 rounding is far below the
 * tolerance): the point is to catch a wrong backward, not float32 noise.
 */
public final class GradientCheck {
    /** A step that balances truncation and rounding error for smooth functions in float64. */
    public static final double DEFAULT_STEP = 1e-6;

    private GradientCheck() {
    }

    /**
     * The gradient of {@code f} at {@code x} by central differences:
     * {@code (f(x + h e_i) - f(x - h e_i)) / 2h}. {@code x} is restored after each probe.
     */
    public static double[] numericGradient(ToDoubleFunction<double[]> f, double[] x, double h) {
        double[] probe = x.clone();
        double[] gradient = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double original = probe[i];
            probe[i] = original + h;
            double up = f.applyAsDouble(probe);
            probe[i] = original - h;
            double down = f.applyAsDouble(probe);
            probe[i] = original;
            gradient[i] = (up - down) / (2 * h);
        }
        return gradient;
    }

    /**
     * Asserts that {@code analytic} is the gradient of {@code f} at {@code x}: every component
     * within {@code atol + rtol * |numeric|}. The failure names the first bad index and both
     * values.
     */
    public static void assertGradient(ToDoubleFunction<double[]> f, double[] x,
            double[] analytic, double atol, double rtol) {
        if (analytic.length != x.length) {
            fail("analytic gradient has " + analytic.length + " components for " + x.length
                    + " inputs");
        }
        double[] numeric = numericGradient(f, x, DEFAULT_STEP);
        for (int i = 0; i < x.length; i++) {
            double error = Math.abs(analytic[i] - numeric[i]);
            if (!(error <= atol + rtol * Math.abs(numeric[i]))) {
                fail("gradient component " + i + ": analytic " + analytic[i]
                        + ", finite differences " + numeric[i] + " (error " + error + ")");
            }
        }
    }
}
