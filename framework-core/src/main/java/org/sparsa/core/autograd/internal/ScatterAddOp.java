package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * {@code base} plus {@code source} added at indexed positions along an axis. The base's gradient
 * is the output's; the source's gathers the output's gradient at the same positions.
 */
public final class ScatterAddOp {
    private static final String OP = "scatterAdd";

    private ScatterAddOp() {
    }

    /** {@code base} with {@code source[..., j, ...]} added at {@code index[..., j, ...]}. */
    public static Variable apply(Engine engine, Variable basev, int axis, IntTensor index,
            Variable sourcev) {
        TensorVariable base = engine.unwrap(basev, OP, "base");
        TensorVariable source = engine.unwrap(sourcev, OP, "source");
        int[] shape = base.shapeView();
        int a = Shapes.axis(axis, shape.length, OP);
        int indexLength = GatherOp.checkAlongAxis(OP, "index", index, shape, a);
        if (!Arrays.equals(source.shapeView(), index.shape())) {
            throw new IllegalArgumentException(OP + ": source of shape "
                    + Arrays.toString(source.shapeView()) + " differs from index of shape "
                    + Arrays.toString(index.shape()));
        }
        int[] idx = Indices.checked(OP, index, shape[a], "axis " + a + " of shape "
                + Arrays.toString(shape));
        AxisLayout into = AxisLayout.of(shape, a);
        Backend backend = engine.backend();
        // The kernel adds into its target, which therefore starts as a copy of the base.
        float[] y = base.data().clone();
        backend.scatterAdd(into, y, indexLength, idx, source.data());
        int[] sourceShape = source.shape();
        Backward backward = (dy, needs) -> {
            DenseTensor dSource = null;
            if (needs[1]) {
                float[] ds = new float[into.withLength(indexLength).size()];
                backend.gather(into, dy.data(), indexLength, idx, ds);
                dSource = DenseTensor.wrap(ds, sourceShape);
            }
            return new DenseTensor[] {needs[0] ? dy : null, dSource};
        };
        return engine.result(OP, DenseTensor.wrap(y, shape), backward, base, source);
    }
}
