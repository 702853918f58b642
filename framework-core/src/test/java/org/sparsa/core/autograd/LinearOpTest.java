package org.sparsa.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.internal.JavaBackend;

/**
 * {@code linear(x, W)} gives {@code matmul(x, transpose(W))}'s values and gradients bit for bit,
 * on every path of the matrix product: tiny, few rows (decoding one token) and blocked.
 */
class LinearOpTest {

    private static float[] random(SplittableRandom random, int size) {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    /** The output, then the gradients of x and W, of {@code sum(f(x, W) * r)}. */
    private static List<float[]> run(boolean linear, int[] xShape, int out) {
        Autograd ops = new Autograd(new JavaBackend());
        SplittableRandom random = new SplittableRandom(7);
        int in = xShape[xShape.length - 1];
        int rows = 1;
        for (int d : xShape) {
            rows *= d;
        }
        rows /= in;
        Variable x = ops.leaf(ops.tensor(random(random, rows * in), xShape));
        Variable w = ops.leaf(ops.tensor(random(random, out * in), out, in));
        int[] yShape = xShape.clone();
        yShape[yShape.length - 1] = out;
        Variable r = ops.constant(random(random, rows * out), yShape);
        Variable y = linear ? ops.linear(x, w) : ops.matmul(x, ops.transpose(w, 0, 1));
        assertArrayEquals(yShape, y.shape());
        ops.sum(ops.mul(y, r), false).backward();
        return List.of(y.value().toArray(), x.grad().orElseThrow().toArray(),
                w.grad().orElseThrow().toArray());
    }

    @ParameterizedTest(name = "x {0}, W [{1}, in]")
    @CsvSource(delimiter = '|', value = {
        "3 4      | 5",
        "2 3 4    | 2",
        "1 1 256  | 768",
        "4 64     | 96",
        "2 37 65  | 129",
        "300 48   | 1100",
    })
    void equalsTheProductWithTheTransposeBitForBit(String xShape, int out) {
        int[] shape = Arrays.stream(xShape.trim().split(" +"))
                .mapToInt(Integer::parseInt).toArray();
        List<float[]> expected = run(false, shape, out);
        List<float[]> actual = run(true, shape, out);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "output and gradients, item " + i);
        }
        assertTrue(expected.get(0).length > 0);
    }

    @Test
    void aWeightThatDoesNotFitIsRefusedWithBothShapes() {
        Autograd ops = new Autograd(new JavaBackend());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.linear(ops.constant(new float[6], 2, 3), ops.constant(new float[8], 4,
                        2)));
        assertEquals("linear: input [2, 3] and weight [4, 2] do not fit: expected an input"
                + " [..., in] and a weight [out, in]", e.getMessage());
    }
}
