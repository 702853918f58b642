package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * A linear layer's product {@code y = x Wᵀ}, {@code x [..., in]}, {@code W [out, in]} (stored
 * as Hugging Face stores it), {@code y [..., out]}. The same numbers as
 * {@code matmul(x, transpose(W))}, bit for bit, without writing {@code Wᵀ} out on every call:
 * the backend reads W transposed in place, and the gradients are products of the stored
 * operands, {@code dx = dy W} and {@code dW = dyᵀ x}.
 */
public final class LinearOp {
    private static final String OP = "linear";

    private LinearOp() {
    }

    /** {@code x Wᵀ}. */
    public static Variable apply(Engine engine, Variable xv, Variable weightv) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        TensorVariable w = engine.unwrap(weightv, OP, "weight");
        int[] xShape = x.shapeView();
        int[] wShape = w.shapeView();
        if (xShape.length < 1 || wShape.length != 2 || xShape[xShape.length - 1] != wShape[1]) {
            throw new IllegalArgumentException(OP + ": input " + Arrays.toString(xShape)
                    + " and weight " + Arrays.toString(wShape) + " do not fit: expected an"
                    + " input [..., in] and a weight [out, in]");
        }
        int in = wShape[1];
        int out = wShape[0];
        int rows = Shapes.size(Arrays.copyOf(xShape, xShape.length - 1));
        Backend backend = engine.backend();
        float[] y = new float[rows * out];
        backend.matmul(new MatmulShape(1, rows, out, in, false, true, 0, 0), x.data(), w.data(),
                y);
        int[] outShape = xShape.clone();
        outShape[outShape.length - 1] = out;
        Backward backward = (dy, needs) -> {
            DenseTensor[] grads = new DenseTensor[2];
            if (needs[0]) {
                float[] dx = new float[rows * in];
                backend.matmul(MatmulShape.of(rows, in, out), dy.data(), w.data(), dx);
                grads[0] = DenseTensor.wrap(dx, xShape);
            }
            if (needs[1]) {
                float[] dw = new float[out * in];
                backend.matmul(new MatmulShape(1, out, in, rows, true, false, 0, 0),
                        dy.data(), x.data(), dw);
                grads[1] = DenseTensor.wrap(dw, wShape);
            }
            return grads;
        };
        return engine.result(OP, DenseTensor.wrap(y, outShape), backward, x, w);
    }
}
