package org.sparsa.core.autograd.internal;

import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * Softmax and log-softmax along any axis. The backward needs only the output, so the input is
 * not kept.
 */
public final class SoftmaxOp {

    private SoftmaxOp() {
    }

    /** Softmax of {@code x} along {@code axis}, or its logarithm when {@code log}. */
    public static Variable apply(Engine engine, Variable xv, int axis, boolean log) {
        String op = log ? "logSoftmax" : "softmax";
        TensorVariable x = engine.unwrap(xv, op, "input");
        int[] shape = x.shapeView();
        AxisLayout layout = AxisLayout.of(shape, Shapes.axis(axis, shape.length, op));
        Backend backend = engine.backend();
        float[] y = new float[layout.size()];
        backend.softmax(layout, x.data(), y, log);
        Backward backward = (dy, needs) -> {
            float[] dx = new float[y.length];
            backend.softmaxBackward(layout, y, dy.data(), dx, log);
            return new DenseTensor[] {DenseTensor.wrap(dx, shape)};
        };
        return engine.result(op, DenseTensor.wrap(y, shape), backward, x);
    }
}
