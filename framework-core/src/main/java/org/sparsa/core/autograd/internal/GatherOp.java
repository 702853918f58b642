package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/** Take-along-axis; its gradient scatter-adds the output's gradient back. */
public final class GatherOp {
    private static final String OP = "gather";

    private GatherOp() {
    }

    /** {@code out[..., j, ...] = x[..., index[..., j, ...], ...]} along {@code axis}. */
    public static Variable apply(Engine engine, Variable xv, int axis, IntTensor index) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        int[] shape = x.shapeView();
        int a = Shapes.axis(axis, shape.length, OP);
        int indexLength = checkAlongAxis(OP, "index", index, shape, a);
        int[] idx = Indices.checked(OP, index, shape[a], "axis " + a + " of shape "
                + Arrays.toString(shape));
        AxisLayout from = AxisLayout.of(shape, a);
        Backend backend = engine.backend();
        float[] y = new float[from.withLength(indexLength).size()];
        backend.gather(from, x.data(), indexLength, idx, y);
        Backward backward = (dy, needs) -> {
            float[] dx = new float[from.size()];
            backend.scatterAdd(from, dx, indexLength, idx, dy.data());
            return new DenseTensor[] {DenseTensor.wrap(dx, shape)};
        };
        return engine.result(OP, DenseTensor.wrap(y, index.shape()), backward, x);
    }

    /**
     * Checks that {@code index} has the shape of {@code shape} except along {@code axis}, and
     * returns its length there.
     */
    static int checkAlongAxis(String op, String what, IntTensor index, int[] shape, int axis) {
        if (index == null) {
            throw new IllegalArgumentException(op + ": " + what + " is null");
        }
        int[] indexShape = index.shape();
        boolean fits = indexShape.length == shape.length;
        for (int d = 0; fits && d < shape.length; d++) {
            fits = d == axis || indexShape[d] == shape[d];
        }
        if (!fits) {
            throw new IllegalArgumentException(op + ": " + what + " of shape "
                    + Arrays.toString(indexShape) + " must equal shape " + Arrays.toString(shape)
                    + " except along axis " + axis);
        }
        return indexShape[axis];
    }
}
