package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;

/** RMSNorm over the last axis with a per-column weight; keeps the per-row inverse RMS. */
public final class RmsNormOp {
    private static final String OP = "rmsNorm";

    private RmsNormOp() {
    }

    /** {@code x * rsqrt(mean(x^2) + eps) * weight}. */
    public static Variable apply(Engine engine, Variable xv, Variable weightv, double eps) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        TensorVariable weight = engine.unwrap(weightv, OP, "weight");
        int[] shape = x.shapeView();
        int columns = lastAxis(OP, shape);
        checkVector(OP, "weight", weight.shapeView(), shape, columns);
        int rows = columns == 0 ? 0 : x.value().size() / columns;
        Backend backend = engine.backend();
        DenseTensor xValue = x.value();
        DenseTensor gValue = weight.value();
        float[] y = new float[xValue.size()];
        float[] inverseRms = new float[rows];
        backend.rmsNorm(rows, columns, xValue.data(), gValue.data(), (float) eps, y, inverseRms);

        Backward backward = (dy, needs) -> {
            float[] dx = new float[y.length];
            float[] dg = new float[columns];
            backend.rmsNormBackward(rows, columns, xValue.data(), gValue.data(), inverseRms,
                    dy.data(), dx, dg);
            return new DenseTensor[] {DenseTensor.wrap(dx, shape),
                    DenseTensor.wrap(dg, gValue.shapeView())};
        };
        return engine.result(OP, DenseTensor.wrap(y, shape), backward, x, weight);
    }

    /** The size of the last axis, which a normalisation needs. */
    static int lastAxis(String op, int[] shape) {
        if (shape.length == 0) {
            throw new IllegalArgumentException(op + ": input of shape [] has no last axis");
        }
        return shape[shape.length - 1];
    }

    /** Checks that a per-column parameter has shape {@code [columns]}. */
    static void checkVector(String op, String what, int[] vector, int[] input, int columns) {
        if (vector.length != 1 || vector[0] != columns) {
            throw new IllegalArgumentException(op + ": " + what + " of shape "
                    + Arrays.toString(vector) + " does not fit input of shape "
                    + Arrays.toString(input) + "; expected [" + columns + "]");
        }
    }
}
