package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/** Reordered axes (transpose being the swap of two); the backward applies the inverse order. */
public final class PermuteOp {

    private PermuteOp() {
    }

    /** Result axis {@code i} is input axis {@code order[i]}. */
    public static Variable apply(Engine engine, Variable xv, int[] order) {
        return apply(engine, "permute", engine.unwrap(xv, "permute", "input"), order);
    }

    /** {@code x} with axes {@code axis1} and {@code axis2} swapped. */
    public static Variable transpose(Engine engine, Variable xv, int axis1, int axis2) {
        String op = "transpose";
        TensorVariable x = engine.unwrap(xv, op, "input");
        int rank = x.shapeView().length;
        int a = Shapes.axis(axis1, rank, op);
        int b = Shapes.axis(axis2, rank, op);
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = i;
        }
        order[a] = b;
        order[b] = a;
        return apply(engine, op, x, order);
    }

    private static Variable apply(Engine engine, String op, TensorVariable x, int[] order) {
        int[] shape = x.shapeView();
        int[] resolved = resolve(op, shape, order);
        int[] inverse = new int[resolved.length];
        int[] outShape = new int[resolved.length];
        boolean identity = true;
        for (int i = 0; i < resolved.length; i++) {
            inverse[resolved[i]] = i;
            outShape[i] = shape[resolved[i]];
            identity &= resolved[i] == i;
        }
        if (identity) {
            // Nothing moves: share the values.
            return engine.result(op, DenseTensor.wrap(x.data(), shape), (dy, needs) ->
                    new DenseTensor[] {dy}, x);
        }
        Backend backend = engine.backend();
        float[] y = new float[x.value().size()];
        backend.permute(x.data(), shape, resolved, y);
        Backward backward = (dy, needs) -> {
            float[] dx = new float[y.length];
            backend.permute(dy.data(), outShape, inverse, dx);
            return new DenseTensor[] {DenseTensor.wrap(dx, shape)};
        };
        return engine.result(op, DenseTensor.wrap(y, outShape), backward, x);
    }

    private static int[] resolve(String op, int[] shape, int[] order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException(op + ": order " + Arrays.toString(order)
                    + " does not have one entry per axis of shape " + Arrays.toString(shape));
        }
        int[] resolved = new int[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int axis = Shapes.axis(order[i], shape.length, op);
            if (seen[axis]) {
                throw new IllegalArgumentException(op + ": order " + Arrays.toString(order)
                        + " names axis " + axis + " twice; it must be a permutation of the axes "
                        + "of shape " + Arrays.toString(shape));
            }
            seen[axis] = true;
            resolved[i] = axis;
        }
        return resolved;
    }
}
