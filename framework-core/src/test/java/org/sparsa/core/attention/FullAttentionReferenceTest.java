package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reference's backward against central differences of its own forward, in float64. */
class FullAttentionReferenceTest {
    private static final double STEP = 1e-5;
    private static final double TOLERANCE = 1e-6;

    @ParameterizedTest(name = "window={0}")
    @ValueSource(ints = {0, 1, 2, 4})
    void gradientsMatchCentralDifferences(int window) {
        FullAttentionSpec spec = new FullAttentionSpec(5, 2, 1, 3, window);
        SplittableRandom random = new SplittableRandom(11 + window);
        double[] q = gaussian(random, spec.querySize(), 1.5);
        double[] k = gaussian(random, spec.kvSize(), 1.0);
        double[] v = gaussian(random, spec.kvSize(), 1.0);
        double[] dout = gaussian(random, spec.querySize(), 1.0);
        FullAttentionReference.Gradients gradients = FullAttentionReference.backward(spec, q, k,
                v, dout);
        ToDoubleFunction<Void> loss = unused -> {
            double[] o = FullAttentionReference.forward(spec, q, k, v);
            double sum = 0;
            for (int i = 0; i < o.length; i++) {
                sum += o[i] * dout[i];
            }
            return sum;
        };
        check("dq", q, gradients.dq(), loss);
        check("dk", k, gradients.dk(), loss);
        check("dv", v, gradients.dv(), loss);
    }

    @Test
    void aWindowOfOneCopiesEachQuerysOwnValue() {
        FullAttentionSpec spec = new FullAttentionSpec(3, 1, 1, 2, 1);
        double[] v = {1, 2, 3, 4, 5, 6};
        double[] o = FullAttentionReference.forward(spec, new double[] {1, 0, 2, 0, 3, 0},
                new double[] {9, 9, -9, 9, 0, 1}, v);
        assertArrayEquals(v, o);
    }

    @Test
    void uniformScoresAverageTheVisibleValues() {
        FullAttentionSpec spec = new FullAttentionSpec(3, 1, 1, 1, 2);
        double[] o = FullAttentionReference.forward(spec, new double[3], new double[3],
                new double[] {3, 5, 10});
        assertArrayEquals(new double[] {3, 4, 7.5}, o, 1e-15);
    }

    /** Compares {@code analytic} with central differences of {@code loss} in each element of x. */
    private static void check(String name, double[] x, double[] analytic,
            ToDoubleFunction<Void> loss) {
        assertEquals(x.length, analytic.length, name);
        for (int i = 0; i < x.length; i++) {
            double saved = x[i];
            x[i] = saved + STEP;
            double plus = loss.applyAsDouble(null);
            x[i] = saved - STEP;
            double minus = loss.applyAsDouble(null);
            x[i] = saved;
            double numeric = (plus - minus) / (2 * STEP);
            assertEquals(numeric, analytic[i], TOLERANCE * (1 + Math.abs(numeric)),
                    name + " at flat index " + i);
        }
    }

    private static double[] gaussian(SplittableRandom random, int n, double sigma) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextGaussian() * sigma;
        }
        return x;
    }
}
