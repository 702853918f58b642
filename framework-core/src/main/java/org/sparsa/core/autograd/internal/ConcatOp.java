package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/** Parts joined along one axis; each part's gradient is its slice of the output's. */
public final class ConcatOp {
    private static final String OP = "concat";

    private ConcatOp() {
    }

    /** {@code parts} joined along {@code axis}. */
    public static Variable apply(Engine engine, int axis, Variable... partVariables) {
        if (partVariables == null || partVariables.length == 0) {
            throw new IllegalArgumentException(OP + ": no parts to join");
        }
        TensorVariable[] parts = new TensorVariable[partVariables.length];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = engine.unwrap(partVariables[i], OP, "part " + i);
        }
        int[] first = parts[0].shapeView();
        int a = Shapes.axis(axis, first.length, OP);
        int[] starts = new int[parts.length];
        int total = 0;
        for (int i = 0; i < parts.length; i++) {
            int[] shape = parts[i].shapeView();
            boolean fits = shape.length == first.length;
            for (int d = 0; fits && d < shape.length; d++) {
                fits = d == a || shape[d] == first[d];
            }
            if (!fits) {
                throw new IllegalArgumentException(OP + ": part " + i + " of shape "
                        + Arrays.toString(shape) + " does not fit part 0 of shape "
                        + Arrays.toString(first) + " along axis " + a);
            }
            starts[i] = total;
            total += shape[a];
        }
        int[] outShape = first.clone();
        outShape[a] = total;
        AxisLayout into = AxisLayout.of(outShape, a);
        Backend backend = engine.backend();
        float[] y = new float[into.size()];
        for (int i = 0; i < parts.length; i++) {
            backend.place(AxisLayout.of(parts[i].shapeView(), a), parts[i].data(), into,
                    starts[i], y);
        }
        int[][] partShapes = new int[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            partShapes[i] = parts[i].shape();
        }
        Backward backward = (dy, needs) -> {
            DenseTensor[] grads = new DenseTensor[partShapes.length];
            for (int i = 0; i < partShapes.length; i++) {
                if (needs[i]) {
                    float[] dx = new float[Shapes.size(partShapes[i])];
                    backend.slice(into, dy.data(), starts[i], partShapes[i][a], dx);
                    grads[i] = DenseTensor.wrap(dx, partShapes[i]);
                }
            }
            return grads;
        };
        return engine.result(OP, DenseTensor.wrap(y, outShape), backward, parts);
    }
}
