package org.sparsa.core.autograd.internal;

import org.sparsa.api.autograd.Variable;
import org.sparsa.core.tensor.DenseTensor;

/** Multiplication by a constant factor; the gradient is scaled by the same factor. */
public final class ScaleOp {
    private static final String OP = "scale";

    private ScaleOp() {
    }

    /** {@code x * factor} (the factor rounded to float32, as the values are). */
    public static Variable apply(Engine engine, Variable xv, double factor) {
        TensorVariable x = engine.unwrap(xv, OP, "input");
        float f = (float) factor;
        Backward backward = (dy, needs) -> new DenseTensor[] {engine.scale(dy, f)};
        return engine.result(OP, engine.scale(x.value(), f), backward, x);
    }
}
