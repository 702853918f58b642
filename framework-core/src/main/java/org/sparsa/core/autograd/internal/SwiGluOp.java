package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;

/**
 * {@code silu(gate) * up}, the gated unit of a SwiGLU feed-forward layer, as one op. The two-op
 * chain {@code mul(silu(gate), up)} keeps the silu output for the backward pass and makes three
 * gradient arrays there; this op keeps only its inputs, recomputes the sigmoid in the backward
 * pass and writes the two gradients in one sweep, with the chain's rounding, so both give the
 * same bits.
 */
public final class SwiGluOp {

    private SwiGluOp() {
    }

    /**
     * {@code silu(gate) * up} element-wise.
     *
     * @throws IllegalArgumentException when the shapes differ
     */
    public static Variable apply(Engine engine, Variable gateVariable, Variable upVariable) {
        TensorVariable gate = engine.unwrap(gateVariable, "swiglu", "gate");
        TensorVariable up = engine.unwrap(upVariable, "swiglu", "up");
        int[] shape = gate.shapeView();
        if (!Arrays.equals(shape, up.shapeView())) {
            throw new IllegalArgumentException("swiglu: gate " + Arrays.toString(shape)
                    + " and up " + Arrays.toString(up.shapeView()) + " must have one shape");
        }
        Backend backend = engine.backend();
        float[] gateData = gate.data();
        float[] upData = up.data();
        float[] y = new float[gateData.length];
        backend.swiglu(gateData, upData, y);
        Backward backward = (dy, needs) -> {
            float[] dGate = needs[0] ? new float[y.length] : null;
            float[] dUp = needs[1] ? new float[y.length] : null;
            backend.swigluBackward(gateData, upData, dy.data(), dGate, dUp);
            return new DenseTensor[] {
                dGate == null ? null : DenseTensor.wrap(dGate, shape),
                dUp == null ? null : DenseTensor.wrap(dUp, shape)};
        };
        return engine.result("swiglu", DenseTensor.wrap(y, shape), backward, gate, up);
    }
}
