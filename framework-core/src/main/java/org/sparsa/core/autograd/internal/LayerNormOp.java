package org.sparsa.core.autograd.internal;

import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;

/**
 * LayerNorm over the last axis with a per-column weight and optional bias; keeps the per-row
 * mean and inverse standard deviation.
 */
public final class LayerNormOp {
    private static final String OP = "layerNorm";

    private LayerNormOp() {
    }

    /** {@code (x - mean) * rsqrt(var + eps) * weight + bias}; {@code bias} may be null. */
    public static Variable apply(Engine engine, Variable xv, Variable weightv, Variable biasv,
            double eps) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        TensorVariable weight = engine.unwrap(weightv, OP, "weight");
        TensorVariable bias = biasv == null ? null : engine.unwrap(biasv, OP, "bias");
        int[] shape = x.shapeView();
        int columns = RmsNormOp.lastAxis(OP, shape);
        RmsNormOp.checkVector(OP, "weight", weight.shapeView(), shape, columns);
        if (bias != null) {
            RmsNormOp.checkVector(OP, "bias", bias.shapeView(), shape, columns);
        }
        int rows = columns == 0 ? 0 : x.value().size() / columns;
        Backend backend = engine.backend();
        DenseTensor xValue = x.value();
        DenseTensor gValue = weight.value();
        float[] b = bias == null ? null : bias.data();
        float[] y = new float[xValue.size()];
        float[] mean = new float[rows];
        float[] inverseStd = new float[rows];
        backend.layerNorm(rows, columns, xValue.data(), gValue.data(), b, (float) eps, y, mean,
                inverseStd);

        boolean hasBias = bias != null;
        Backward backward = (dy, needs) -> {
            float[] dx = new float[y.length];
            float[] dg = new float[columns];
            float[] db = hasBias ? new float[columns] : null;
            backend.layerNormBackward(rows, columns, xValue.data(), gValue.data(), mean,
                    inverseStd, dy.data(), dx, dg, db);
            int[] vector = {columns};
            return hasBias
                    ? new DenseTensor[] {DenseTensor.wrap(dx, shape), DenseTensor.wrap(dg, vector),
                            DenseTensor.wrap(db, vector)}
                    : new DenseTensor[] {DenseTensor.wrap(dx, shape), DenseTensor.wrap(dg, vector)};
        };
        DenseTensor out = DenseTensor.wrap(y, shape);
        return hasBias ? engine.result(OP, out, backward, x, weight, bias)
                : engine.result(OP, out, backward, x, weight);
    }
}
