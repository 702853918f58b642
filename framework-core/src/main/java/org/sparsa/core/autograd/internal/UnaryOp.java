package org.sparsa.core.autograd.internal;

import java.util.Locale;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.UnaryFunction;
import org.sparsa.core.tensor.DenseTensor;

/**
 * Element-wise functions ({@code exp}, {@code log}, {@code relu}, {@code silu},
 * {@code sigmoid}); the backward kernel gets the input and the output, so each derivative is
 * computed from whichever is cheaper.
 */
public final class UnaryOp {

    private UnaryOp() {
    }

    /** {@code f(x)} element-wise. */
    public static Variable apply(Engine engine, UnaryFunction f, Variable xv) {
        String op = f.name().toLowerCase(Locale.ROOT);
        TensorVariable x = engine.unwrap(xv, op, "input");
        Backend backend = engine.backend();
        DenseTensor xValue = x.value();
        float[] y = new float[xValue.size()];
        backend.map(f, xValue.data(), y);
        Backward backward = (dy, needs) -> {
            float[] dx = new float[y.length];
            backend.mapBackward(f, xValue.data(), y, dy.data(), dx);
            return new DenseTensor[] {DenseTensor.wrap(dx, xValue.shapeView())};
        };
        return engine.result(op, DenseTensor.wrap(y, xValue.shapeView()), backward, x);
    }
}
