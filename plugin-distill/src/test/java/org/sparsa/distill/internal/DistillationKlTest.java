package org.sparsa.distill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.testkit.GradientCheck;

/** The distillation KL against hand-computed values and finite differences. */
class DistillationKlTest {
    private static final double LN3 = Math.log(3);

    /** The loss of student logits {@code s} against teacher logits {@code t} with weights. */
    private static Variable loss(KlDirection direction, double temperature, float[] s,
            float[] t, float[] weights, int rows, int vocab) {
        Ops ops = new Autograd(new JavaBackend());
        Variable student = ops.leaf(ops.tensor(s, rows, vocab));
        Variable out = ops.apply(new DistillationKl(direction, temperature), student,
                ops.constant(t, rows, vocab), ops.constant(weights, rows)).get(0);
        out.backward();
        return student;
    }

    private static double value(KlDirection direction, double temperature, float[] s,
            float[] t, float[] weights, int rows, int vocab) {
        Ops ops = new Autograd(new JavaBackend());
        return ops.apply(new DistillationKl(direction, temperature),
                ops.leaf(ops.tensor(s, rows, vocab)), ops.constant(t, rows, vocab),
                ops.constant(weights, rows)).get(0).value().item();
    }

    @Test
    void forwardAndReverseKlMatchTheHandComputedCase() {
        // Teacher p = (1/4, 3/4), student q = (1/2, 1/2).
        float[] teacher = {0, (float) LN3};
        float[] student = {0, 0};
        float[] one = {1};
        double forward = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
        double reverse = 0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3);
        assertEquals(forward, value(KlDirection.FORWARD, 1, student, teacher, one, 1, 2), 1e-6);
        assertEquals(reverse, value(KlDirection.REVERSE, 1, student, teacher, one, 1, 2), 1e-6);
    }

    @Test
    void temperatureSoftensBothAndScalesByItsSquare() {
        // At T = 2 the teacher is softmax(0, ln3 / 2) = (1, sqrt 3) / (1 + sqrt 3).
        float[] teacher = {0, (float) LN3};
        float[] student = {0, 0};
        double p0 = 1 / (1 + Math.sqrt(3));
        double p1 = 1 - p0;
        double kl = p0 * Math.log(p0 / 0.5) + p1 * Math.log(p1 / 0.5);
        assertEquals(4 * kl, value(KlDirection.FORWARD, 2, student, teacher, new float[] {1},
                1, 2), 1e-6);
    }

    @Test
    void positionsOfWeightZeroDoNotCount() {
        // The second row differs wildly but is padding: the mean is over the first row only.
        float[] teacher = {0, (float) LN3, 9, -9};
        float[] student = {0, 0, -9, 9};
        double forward = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
        assertEquals(forward, value(KlDirection.FORWARD, 1, student, teacher,
                new float[] {1, 0}, 2, 2), 1e-6);
    }

    @Test
    void gradientsMatchFiniteDifferencesInBothDirections() {
        float[] teacher = {0.3f, -1.2f, 0.8f, 2.0f, 0.1f, -0.5f};
        float[] student = {-0.4f, 0.9f, 0.2f, 0.5f, -1.1f, 0.7f};
        float[] weights = {1, 1};
        for (KlDirection direction : KlDirection.values()) {
            for (double temperature : new double[] {1, 2.5}) {
                Variable s = loss(direction, temperature, student, teacher, weights, 2, 3);
                float[] grad = s.grad().orElseThrow().toArray();
                double[] analytic = new double[grad.length];
                for (int i = 0; i < grad.length; i++) {
                    analytic[i] = grad[i];
                }
                double[] x = new double[student.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = student[i];
                }
                GradientCheck.assertGradient(v -> reference(direction, temperature, v, teacher,
                        3), x, analytic, 1e-5, 1e-3);
            }
        }
    }

    /** The loss by its definition, in double: mean over rows of T^2 KL. */
    private static double reference(KlDirection direction, double temperature, double[] s,
            float[] t, int vocab) {
        int rows = s.length / vocab;
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double[] q = softmax(s, r * vocab, vocab, temperature);
            double[] tt = new double[t.length];
            for (int i = 0; i < t.length; i++) {
                tt[i] = t[i];
            }
            double[] p = softmax(tt, r * vocab, vocab, temperature);
            for (int v = 0; v < vocab; v++) {
                total += direction == KlDirection.FORWARD ? p[v] * Math.log(p[v] / q[v])
                        : q[v] * Math.log(q[v] / p[v]);
            }
        }
        return temperature * temperature * total / rows;
    }

    private static double[] softmax(double[] x, int at, int n, double temperature) {
        double[] out = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            out[i] = Math.exp(x[at + i] / temperature);
            sum += out[i];
        }
        for (int i = 0; i < n; i++) {
            out[i] /= sum;
        }
        return out;
    }

    @Test
    void refusesATemperatureOfZero() {
        assertThrows(IllegalArgumentException.class,
                () -> new DistillationKl(KlDirection.FORWARD, 0));
    }
}
