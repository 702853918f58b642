package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * Rotary position embedding (NeoX rotate-half) on the first {@code rotaryDims} entries of the
 * last axis. A rotation is orthogonal, so the gradient is the output's turned back by the same
 * angles.
 */
public final class RopeOp {
    private static final String OP = "rope";

    private RopeOp() {
    }

    /** {@code x} with the pairs of its rotary entries turned by their positions' angles. */
    public static Variable apply(Engine engine, Variable xv, int timeAxis, IntTensor positions,
            int rotaryDims, double theta) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        int[] shape = x.shapeView();
        if (shape.length < 2) {
            throw new IllegalArgumentException(OP + ": input of shape " + Arrays.toString(shape)
                    + " needs a time axis and a last axis");
        }
        int t = Shapes.axis(timeAxis, shape.length, OP);
        if (t == shape.length - 1) {
            throw new IllegalArgumentException(OP + ": the time axis " + timeAxis
                    + " cannot be the last axis of shape " + Arrays.toString(shape));
        }
        int dim = shape[shape.length - 1];
        if (rotaryDims <= 0 || rotaryDims % 2 != 0 || rotaryDims > dim) {
            throw new IllegalArgumentException(OP + ": rotary dims " + rotaryDims
                    + " must be even and in [2, " + dim + "] for shape "
                    + Arrays.toString(shape));
        }
        if (!(theta > 0)) {
            throw new IllegalArgumentException(OP + ": theta " + theta + " must be positive");
        }
        int time = shape[t];
        if (positions == null || positions.rank() != 1 || positions.size() != time) {
            throw new IllegalArgumentException(OP + ": positions "
                    + (positions == null ? "null" : Arrays.toString(positions.shape()))
                    + " must be a vector of " + time + " entries, one per step of axis " + t
                    + " of shape " + Arrays.toString(shape));
        }
        int outer = 1;
        for (int i = 0; i < t; i++) {
            outer *= shape[i];
        }
        int inner = 1;
        for (int i = t + 1; i < shape.length - 1; i++) {
            inner *= shape[i];
        }
        int[] pos = positions.toArray();
        int outerSize = outer;
        int innerSize = inner;
        Backend backend = engine.backend();
        float[] y = new float[x.value().size()];
        backend.rope(outer, time, inner, dim, x.data(), pos, rotaryDims, theta, false, y);
        Backward backward = (dy, needs) -> {
            float[] dx = new float[y.length];
            backend.rope(outerSize, time, innerSize, dim, dy.data(), pos, rotaryDims, theta, true,
                    dx);
            return new DenseTensor[] {DenseTensor.wrap(dx, shape)};
        };
        return engine.result(OP, DenseTensor.wrap(y, shape), backward, x);
    }
}
