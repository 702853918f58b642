package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * A constant written where a broadcast mask is set (attention masks); filled positions get no
 * gradient, the others pass it through.
 */
public final class MaskedFillOp {
    private static final String OP = "maskedFill";

    private MaskedFillOp() {
    }

    /** {@code x} with {@code value} wherever {@code mask} is non-zero. */
    public static Variable apply(Engine engine, Variable xv, IntTensor mask, float value) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        if (mask == null) {
            throw new IllegalArgumentException(OP + ": mask is null");
        }
        int[] shape = x.shapeView();
        int[] maskShape = mask.shape();
        boolean fits = maskShape.length <= shape.length;
        int[] full = fits ? Shapes.padLeft(maskShape, shape.length) : maskShape;
        for (int d = 0; fits && d < shape.length; d++) {
            fits = full[d] == 1 || full[d] == shape[d];
        }
        if (!fits) {
            throw new IllegalArgumentException(OP + ": mask of shape "
                    + Arrays.toString(maskShape) + " does not broadcast to input of shape "
                    + Arrays.toString(shape));
        }
        int[] maskValues = mask.toArray();
        Backend backend = engine.backend();
        float[] y = new float[x.value().size()];
        backend.maskedFill(x.data(), shape, maskValues, full, value, y);
        Backward backward = (dy, needs) -> {
            float[] dx = new float[y.length];
            backend.maskedFill(dy.data(), shape, maskValues, full, 0f, dx);
            return new DenseTensor[] {DenseTensor.wrap(dx, shape)};
        };
        return engine.result(OP, DenseTensor.wrap(y, shape), backward, x);
    }
}
