package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;

/**
 * Simulated FP8 e4m3 quantise-dequantise with a straight-through gradient: rounding has a zero
 * derivative almost everywhere, so training through it passes the gradient on unchanged, as
 * if the op were the identity.
 */
public final class Fp8Op {
    private static final String OP = "fp8E4m3";

    private Fp8Op() {
    }

    /** {@code x} rounded through e4m3 with one scale per {@code group} entries of a row. */
    public static Variable apply(Engine engine, Variable xv, int group, boolean powerOfTwo) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        int[] shape = x.shapeView();
        if (shape.length == 0) {
            throw new IllegalArgumentException(OP + ": input of shape [] has no last axis");
        }
        int columns = shape[shape.length - 1];
        if (group <= 0 || columns % group != 0) {
            throw new IllegalArgumentException(OP + ": group " + group + " must be positive and "
                    + "divide the last axis of shape " + Arrays.toString(shape));
        }
        int rows = columns == 0 ? 0 : x.value().size() / columns;
        Backend backend = engine.backend();
        float[] y = new float[x.value().size()];
        float[] scales = new float[rows * (columns / group)];
        backend.fp8E4m3(rows, columns, group, powerOfTwo, x.data(), y, scales);
        Backward backward = (dy, needs) -> new DenseTensor[] {dy};
        return engine.result(OP, DenseTensor.wrap(y, shape), backward, x);
    }
}
