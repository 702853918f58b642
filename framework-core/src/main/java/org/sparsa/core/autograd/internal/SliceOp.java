package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/** A range along one axis; the gradient is placed back into zeros of the input's shape. */
public final class SliceOp {
    private static final String OP = "slice";

    private SliceOp() {
    }

    /** Entries {@code start} (inclusive) to {@code end} (exclusive) along {@code axis}. */
    public static Variable apply(Engine engine, Variable xv, int axis, int start, int end) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        int[] shape = x.shapeView();
        int a = Shapes.axis(axis, shape.length, OP);
        if (start < 0 || end < start || end > shape[a]) {
            throw new IllegalArgumentException(OP + ": range [" + start + ", " + end
                    + ") does not fit axis " + a + " of shape " + Arrays.toString(shape)
                    + "; need 0 <= start <= end <= " + shape[a]);
        }
        AxisLayout from = AxisLayout.of(shape, a);
        AxisLayout part = from.withLength(end - start);
        int[] outShape = shape.clone();
        outShape[a] = end - start;
        Backend backend = engine.backend();
        float[] y = new float[part.size()];
        backend.slice(from, x.data(), start, end - start, y);
        Backward backward = (dy, needs) -> {
            float[] dx = new float[from.size()];
            backend.place(part, dy.data(), from, start, dx);
            return new DenseTensor[] {DenseTensor.wrap(dx, shape)};
        };
        return engine.result(OP, DenseTensor.wrap(y, outShape), backward, x);
    }
}
