package org.sparsa.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.internal.JavaBackend;

/**
 * Forward values and shapes on small hand-worked cases: the gradient checks only test that a
 * backward matches its forward, so the forward's meaning is pinned down here.
 */
class ForwardValuesTest {
    private final Autograd ops = new Autograd(new JavaBackend());

    private Variable v(float[] values, int... shape) {
        return ops.constant(values, shape);
    }

    private static float[] range(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        return values;
    }

    private static void assertValues(float[] expected, int[] shape, Variable actual) {
        assertArrayEquals(shape, actual.shape());
        assertArrayEquals(expected, actual.value().toArray(), 1e-5f);
    }

    @Test
    void matmulBroadcastsLeadingAxes() {
        // [2, 1, 2] x [2, 1]: each batch times one shared matrix.
        Variable a = v(new float[] {1, 2, 3, 4}, 2, 1, 2);
        Variable b = v(new float[] {10, 1}, 2, 1);
        assertValues(new float[] {12, 34}, new int[] {2, 1, 1}, ops.matmul(a, b));
        // [2, 1, 1, 2] x [3, 2, 1] -> [2, 3, 1, 1].
        Variable c = v(new float[] {1, 0, 0, 1}, 2, 1, 1, 2);
        Variable d = v(new float[] {1, 2, 3, 4, 5, 6}, 3, 2, 1);
        assertValues(new float[] {1, 3, 5, 2, 4, 6}, new int[] {2, 3, 1, 1}, ops.matmul(c, d));
    }

    @Test
    void elementWiseOpsBroadcast() {
        Variable a = v(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Variable row = v(new float[] {10, 20, 30}, 3);
        Variable column = v(new float[] {2, 4}, 2, 1);
        assertValues(new float[] {11, 22, 33, 14, 25, 36}, new int[] {2, 3}, ops.add(a, row));
        assertValues(new float[] {-1, 0, 1, 0, 1, 2}, new int[] {2, 3}, ops.sub(a, column));
        assertValues(new float[] {2, 4, 6, 16, 20, 24}, new int[] {2, 3}, ops.mul(a, column));
        assertValues(new float[] {0.5f, 1, 1.5f, 1, 1.25f, 1.5f}, new int[] {2, 3},
                ops.div(a, column));
        assertValues(new float[] {-2, -4}, new int[] {2, 1}, ops.scale(column, -1));
    }

    @Test
    void sumsAndMeansOverAxes() {
        Variable x = v(range(24), 2, 3, 4);
        assertValues(new float[] {276}, new int[] {}, ops.sum(x, false));
        assertValues(new float[] {11.5f}, new int[] {1, 1, 1}, ops.mean(x, true));
        assertValues(new float[] {60, 66, 72, 78}, new int[] {4}, ops.sum(x, false, 0, 1));
        assertValues(new float[] {6, 22, 38, 54, 70, 86}, new int[] {2, 3, 1},
                ops.sum(x, true, -1));
        // Axes 0 and 2, not adjacent: [3] of sums over 8 values each.
        assertValues(new float[] {7.5f, 11.5f, 15.5f}, new int[] {3}, ops.mean(x, false, 0, 2));
    }

    @Test
    void softmaxAlongAMiddleAxis() {
        Variable x = v(new float[] {0, 0, 0, 0}, 1, 2, 2);
        assertValues(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, new int[] {1, 2, 2},
                ops.softmax(x, 1));
        Variable y = v(new float[] {1000, 1000}, 2);
        assertValues(new float[] {(float) -Math.log(2), (float) -Math.log(2)}, new int[] {2},
                ops.logSoftmax(y, 0));
    }

    @Test
    void shapeOps() {
        Variable x = v(range(6), 2, 3);
        assertValues(range(6), new int[] {3, 2}, ops.reshape(x, -1, 2));
        assertValues(new float[] {0, 3, 1, 4, 2, 5}, new int[] {3, 2}, ops.transpose(x, 0, 1));
        Variable y = v(range(24), 2, 3, 4);
        Variable p = ops.permute(y, 2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        assertEquals(y.value().get(1, 2, 3), p.value().get(3, 1, 2));
        assertValues(new float[] {1, 2, 4, 5}, new int[] {2, 2}, ops.slice(x, 1, 1, 3));
        assertValues(new float[] {0, 1, 2, 9, 3, 4, 5, 9}, new int[] {2, 4},
                ops.concat(1, x, v(new float[] {9, 9}, 2, 1)));
    }

    @Test
    void indexingOps() {
        Variable x = v(range(6), 2, 3);
        Variable selected = ops.indexSelect(x, 1, IntTensor.of(new int[] {2, 0, 2, 1}, 2, 2));
        assertValues(new float[] {2, 0, 2, 1, 5, 3, 5, 4}, new int[] {2, 2, 2}, selected);
        assertValues(new float[] {2, 0, 4, 4}, new int[] {2, 2},
                ops.gather(x, 1, IntTensor.of(new int[] {2, 0, 1, 1}, 2, 2)));
        Variable added = ops.scatterAdd(x, 1, IntTensor.of(new int[] {1, 1, 0, 2}, 2, 2),
                v(new float[] {10, 20, 30, 40}, 2, 2));
        assertValues(new float[] {0, 31, 2, 33, 4, 45}, new int[] {2, 3}, added);
        assertValues(new float[] {-1, 1, -1, -1, 4, -1}, new int[] {2, 3},
                ops.maskedFill(x, IntTensor.vector(1, 0, 1), -1f));
        Variable table = v(range(6), 3, 2);
        assertValues(new float[] {4, 5, 0, 1, 4, 5}, new int[] {1, 3, 2},
                ops.embedding(table, IntTensor.of(new int[] {2, 0, 2}, 1, 3)));
    }

    @Test
    void ropeTurnsPairsByPosition() {
        // dim 4, rotary 2: only (x0, x1) turns, by angle p; x2, x3 pass.
        Variable x = v(new float[] {1, 0, 7, 8, 1, 0, 7, 8}, 2, 4);
        Variable y = ops.rope(x, 0, IntTensor.vector(0, 1), 2, 10000);
        float c = (float) Math.cos(1);
        float s = (float) Math.sin(1);
        assertValues(new float[] {1, 0, 7, 8, c, s, 7, 8}, new int[] {2, 4}, y);
    }

    @Test
    void crossEntropyIsTheMeanOverCountedTargets() {
        Variable logits = v(new float[] {0, 0, 0, 0, 5, 5, 1, 2, 3}, 3, 3);
        Variable loss = ops.crossEntropy(logits, IntTensor.vector(1, -1, 2), -1);
        double row2 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
        assertValues(new float[] {(float) ((Math.log(3) + row2) / 2)}, new int[] {}, loss);
    }

    @Test
    void normalisations() {
        Variable x = v(new float[] {3, 4, 0, 0}, 1, 4);
        // rms = sqrt(25 / 4) = 2.5.
        assertValues(new float[] {1.2f, 1.6f, 0, 0}, new int[] {1, 4},
                ops.rmsNorm(x, v(new float[] {1, 1, 1, 1}, 4), 0));
        Variable y = v(new float[] {1, 3}, 1, 2);
        assertValues(new float[] {-2 + 10, 3 + 20}, new int[] {1, 2},
                ops.layerNorm(y, v(new float[] {2, 3}, 2), v(new float[] {10, 20}, 2), 0));
    }
}
