package org.sparsa.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.compute.internal.JavaBackend;

/**
 * The fused {@code swiglu(gate, up)} gives the two-op chain {@code mul(silu(gate), up)}'s values
 * and gradients bit for bit, also when only one input needs a gradient, and refuses inputs of
 * different shapes.
 */
class SwiGluOpTest {

    private static float[] random(SplittableRandom random, int size, double scale) {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) (scale * random.nextGaussian());
        }
        return out;
    }

    /** The output, then the gradients of gate and up (null when not asked), of sum(f * r). */
    private static List<float[]> run(boolean fused, int rows, int columns, boolean gateGrad,
            boolean upGrad) {
        Autograd ops = new Autograd(new JavaBackend());
        SplittableRandom random = new SplittableRandom(rows * 31L + columns);
        int size = rows * columns;
        // Gates out to |x| ~ 20 reach both flat ends of the sigmoid.
        Tensor gateValue = ops.tensor(random(random, size, 5), rows, columns);
        Tensor upValue = ops.tensor(random(random, size, 1), rows, columns);
        Variable gate = gateGrad ? ops.leaf(gateValue) : ops.constant(gateValue);
        Variable up = upGrad ? ops.leaf(upValue) : ops.constant(upValue);
        Variable r = ops.constant(random(random, size, 1), rows, columns);
        Variable y = fused ? ops.swiglu(gate, up) : ops.mul(ops.silu(gate), up);
        ops.sum(ops.mul(y, r), false).backward();
        return Arrays.asList(y.value().toArray(),
                gate.grad().map(g -> g.toArray()).orElse(null),
                up.grad().map(g -> g.toArray()).orElse(null));
    }

    @ParameterizedTest(name = "[{0}, {1}] gate grad {2}, up grad {3}")
    @CsvSource({
        "1, 1, true, true",
        "3, 7, true, true",
        "64, 1100, true, true",
        "64, 1100, true, false",
        "64, 1100, false, true",
    })
    void givesTheTwoOpChainsBits(int rows, int columns, boolean gateGrad, boolean upGrad) {
        List<float[]> chain = run(false, rows, columns, gateGrad, upGrad);
        List<float[]> fused = run(true, rows, columns, gateGrad, upGrad);
        assertArrayEquals(chain.get(0), fused.get(0), "y");
        assertArrayEquals(chain.get(1), fused.get(1), "gate gradient");
        assertArrayEquals(chain.get(2), fused.get(2), "up gradient");
        assertEquals(gateGrad, fused.get(1) != null);
        assertEquals(upGrad, fused.get(2) != null);
    }

    @Test
    void inputsOfDifferentShapesAreRefusedNamingBoth() {
        Autograd ops = new Autograd(new JavaBackend());
        Variable gate = ops.constant(new float[6], 2, 3);
        Variable up = ops.constant(new float[6], 3, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.swiglu(gate, up));
        assertEquals("swiglu: gate [2, 3] and up [3, 2] must have one shape", e.getMessage());
    }
}
