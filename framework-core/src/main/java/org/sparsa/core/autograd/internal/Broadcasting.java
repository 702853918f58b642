package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * Moving between a shape and a NumPy broadcast of it: expanding values to the broadcast shape,
 * and summing a gradient of the broadcast shape back to the original one (each value was used
 * once per repetition, so its gradient is the sum over them).
 */
final class Broadcasting {

    private Broadcasting() {
    }

    /**
     * Sums {@code gradient} (of the broadcast shape) over the axes {@code shape} repeats, giving
     * a tensor of {@code shape}. Returns {@code gradient} itself when nothing was repeated.
     */
    static DenseTensor reduceTo(Backend backend, DenseTensor gradient, int[] shape) {
        int[] current = gradient.shape();
        if (Arrays.equals(current, shape)) {
            return gradient;
        }
        int[] target = Shapes.padLeft(shape, current.length);
        float[] data = gradient.data();
        // Runs of adjacent repeated axes are summed in one pass each, the last run first.
        int axis = current.length - 1;
        while (axis >= 0) {
            if (target[axis] == current[axis]) {
                axis--;
                continue;
            }
            int end = axis;
            while (axis - 1 >= 0 && target[axis - 1] != current[axis - 1]) {
                axis--;
            }
            data = sumRun(backend, data, current, axis, end);
            axis--;
        }
        return DenseTensor.wrap(data, shape);
    }

    /** Sums axes {@code from..to} of {@code data} (shape {@code shape}), setting them to 1. */
    private static float[] sumRun(Backend backend, float[] data, int[] shape, int from, int to) {
        AxisLayout layout = runLayout(shape, from, to);
        float[] out = new float[layout.outer() * layout.inner()];
        backend.sumAxis(layout, data, out);
        for (int i = from; i <= to; i++) {
            shape[i] = 1;
        }
        return out;
    }

    /** {@code shape} seen as {@code [outer, length, inner]} around axes {@code from..to}. */
    static AxisLayout runLayout(int[] shape, int from, int to) {
        int outer = 1;
        int length = 1;
        int inner = 1;
        for (int i = 0; i < shape.length; i++) {
            if (i < from) {
                outer *= shape[i];
            } else if (i <= to) {
                length *= shape[i];
            } else {
                inner *= shape[i];
            }
        }
        return new AxisLayout(outer, length, inner);
    }

    /**
     * {@code x} repeated to {@code shape}, which it must broadcast to. Returns {@code x} itself
     * when the shapes are equal.
     */
    static DenseTensor expand(Backend backend, DenseTensor x, int[] shape) {
        if (Arrays.equals(x.shapeView(), shape)) {
            return x;
        }
        // x * 1 with broadcasting copies every value exactly (signed zeros and NaNs included).
        int[] ones = new int[shape.length];
        Arrays.fill(ones, 1);
        float[] out = new float[Shapes.size(shape)];
        backend.binary(BinaryFunction.MUL, x.data(), Shapes.padLeft(x.shapeView(), shape.length),
                new float[] {1f}, ones, out, shape);
        return DenseTensor.wrap(out, shape);
    }
}
