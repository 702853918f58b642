package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class GradientCheckTest {
    /** log-sum-exp: its gradient is the softmax. */
    private static final ToDoubleFunction<double[]> LOG_SUM_EXP = x -> {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    };

    private static double[] softmax(double[] x) {
        double lse = LOG_SUM_EXP.applyAsDouble(x);
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            p[i] = Math.exp(x[i] - lse);
        }
        return p;
    }

    @Test
    void centralDifferencesMatchAKnownGradient() {
        double[] x = {0.3, -1.2, 2.0, 0.0};
        assertArrayEquals(softmax(x), GradientCheck.numericGradient(LOG_SUM_EXP, x, 1e-6), 1e-8);
        GradientCheck.assertGradient(LOG_SUM_EXP, x, softmax(x), 1e-8, 1e-6);
    }

    @Test
    void aWrongGradientFailsNamingTheComponent() {
        double[] x = {0.3, -1.2, 2.0, 0.0};
        double[] wrong = softmax(x);
        wrong[2] *= 1.01;
        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> GradientCheck.assertGradient(LOG_SUM_EXP, x, wrong, 1e-8, 1e-6));
        assertTrue(failure.getMessage().startsWith("gradient component 2:"), failure.getMessage());
        assertThrows(AssertionFailedError.class,
                () -> GradientCheck.assertGradient(LOG_SUM_EXP, x, new double[2], 1, 1));
    }
}
