package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * Whole slices along one axis picked by an index tensor, whose shape replaces that axis. The
 * gradient of a slice picked several times is the sum of its copies' gradients.
 */
public final class IndexSelectOp {
    private static final String OP = "indexSelect";

    private IndexSelectOp() {
    }

    /** Slices of {@code x} along {@code axis} at {@code indices}. */
    public static Variable apply(Engine engine, Variable xv, int axis, IntTensor indices) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        int[] shape = x.shapeView();
        int a = Shapes.axis(axis, shape.length, OP);
        int[] index = Indices.checked(OP, indices, shape[a], "axis " + a + " of shape "
                + Arrays.toString(shape));
        return select(engine, OP, x, a, index, indices.shape());
    }

    /**
     * The selection itself, for ops built on it ({@code embedding}); {@code index} is checked.
     */
    static Variable select(Engine engine, String op, TensorVariable x, int axis, int[] index,
            int[] indexShape) {
        int[] shape = x.shapeView();
        int[] outShape = new int[shape.length - 1 + indexShape.length];
        System.arraycopy(shape, 0, outShape, 0, axis);
        System.arraycopy(indexShape, 0, outShape, axis, indexShape.length);
        System.arraycopy(shape, axis + 1, outShape, axis + indexShape.length,
                shape.length - axis - 1);
        AxisLayout from = AxisLayout.of(shape, axis);
        Backend backend = engine.backend();
        float[] y = new float[from.withLength(index.length).size()];
        backend.indexSelect(from, x.data(), index, y);
        Backward backward = (dy, needs) -> {
            // dy is laid out [outer, index.length, inner], as indexAdd reads its source.
            float[] dx = new float[from.size()];
            backend.indexAdd(from, dx, index, dy.data());
            return new DenseTensor[] {DenseTensor.wrap(dx, shape)};
        };
        return engine.result(op, DenseTensor.wrap(y, outShape), backward, x);
    }
}
