package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * A new shape over the same values. Row-major data does not move, so forward and backward share
 * the arrays instead of copying them (tensors are never written once made).
 */
public final class ReshapeOp {
    private static final String OP = "reshape";

    private ReshapeOp() {
    }

    /** {@code x} with shape {@code shape}, one entry of which may be -1. */
    public static Variable apply(Engine engine, Variable xv, int[] shape) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        int[] from = x.shapeView();
        int[] to = resolve(from, shape);
        DenseTensor xValue = x.value();
        Backward backward = (dy, needs) -> new DenseTensor[] {DenseTensor.wrap(dy.data(), from)};
        return engine.result(OP, DenseTensor.wrap(xValue.data(), to), backward, x);
    }

    /** {@code shape} with its -1 replaced so that it holds as many values as {@code from}. */
    private static int[] resolve(int[] from, int[] shape) {
        int size = Shapes.size(from);
        int[] to = shape.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == -1 && unknown < 0) {
                unknown = i;
            } else if (to[i] < 0) {
                throw new IllegalArgumentException(OP + ": cannot view " + Arrays.toString(from)
                        + " as " + Arrays.toString(shape)
                        + ": dimensions must be non-negative, with at most one -1");
            } else {
                known *= to[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || size % known != 0) {
                throw new IllegalArgumentException(OP + ": cannot view " + Arrays.toString(from)
                        + " (" + size + " values) as " + Arrays.toString(shape));
            }
            to[unknown] = (int) (size / known);
        } else if (known != size) {
            throw new IllegalArgumentException(OP + ": cannot view " + Arrays.toString(from)
                    + " (" + size + " values) as " + Arrays.toString(shape) + " (" + known
                    + " values)");
        }
        return to;
    }
}
