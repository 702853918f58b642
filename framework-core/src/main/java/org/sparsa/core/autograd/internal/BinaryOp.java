package org.sparsa.core.autograd.internal;

import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * Element-wise {@code add}, {@code sub}, {@code mul} and {@code div} with NumPy broadcasting;
 * each operand's gradient is summed back over the axes it was repeated along.
 */
public final class BinaryOp {

    private BinaryOp() {
    }

    /** {@code f(a, b)} element-wise. */
    public static Variable apply(Engine engine, BinaryFunction f, Variable av, Variable bv) {
        String op = f.name().toLowerCase(java.util.Locale.ROOT);
        TensorVariable a = engine.unwrap(av, op, "left operand");
        TensorVariable b = engine.unwrap(bv, op, "right operand");
        int[] aShape = a.shapeView();
        int[] bShape = b.shapeView();
        int[] outShape = Shapes.broadcast(aShape, bShape, op);
        int rank = outShape.length;
        int[] aFull = Shapes.padLeft(aShape, rank);
        int[] bFull = Shapes.padLeft(bShape, rank);
        Backend backend = engine.backend();
        float[] out = new float[Shapes.size(outShape)];
        backend.binary(f, a.data(), aFull, b.data(), bFull, out, outShape);
        DenseTensor y = DenseTensor.wrap(out, outShape);
        DenseTensor aValue = a.value();
        DenseTensor bValue = b.value();

        Backward backward = (dy, needs) -> {
            DenseTensor[] grads = new DenseTensor[2];
            switch (f) {
                case ADD -> {
                    grads[0] = needs[0] ? Broadcasting.reduceTo(backend, dy, aShape) : null;
                    grads[1] = needs[1] ? Broadcasting.reduceTo(backend, dy, bShape) : null;
                }
                case SUB -> {
                    grads[0] = needs[0] ? Broadcasting.reduceTo(backend, dy, aShape) : null;
                    grads[1] = needs[1]
                            ? engine.scale(Broadcasting.reduceTo(backend, dy, bShape), -1f)
                            : null;
                }
                case MUL -> {
                    // d(a*b)/da = b, d(a*b)/db = a.
                    grads[0] = needs[0] ? Broadcasting.reduceTo(backend,
                            times(backend, BinaryFunction.MUL, dy, bValue.data(), bFull), aShape)
                            : null;
                    grads[1] = needs[1] ? Broadcasting.reduceTo(backend,
                            times(backend, BinaryFunction.MUL, dy, aValue.data(), aFull), bShape)
                            : null;
                }
                case DIV -> {
                    // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -y/b.
                    grads[0] = needs[0] ? Broadcasting.reduceTo(backend,
                            times(backend, BinaryFunction.DIV, dy, bValue.data(), bFull), aShape)
                            : null;
                    if (needs[1]) {
                        DenseTensor dyTimesY = times(backend, BinaryFunction.MUL, dy, out,
                                outShape);
                        grads[1] = engine.scale(Broadcasting.reduceTo(backend,
                                times(backend, BinaryFunction.DIV, dyTimesY, bValue.data(),
                                        bFull), bShape), -1f);
                    }
                }
                default -> throw new IllegalStateException("no gradient for " + f);
            }
            return grads;
        };
        return engine.result(op, y, backward, a, b);
    }

    /** {@code g f other} with {@code other} (shape {@code otherShape}) broadcast to g's shape. */
    private static DenseTensor times(Backend backend, BinaryFunction f, DenseTensor g,
            float[] other, int[] otherShape) {
        float[] out = new float[g.size()];
        backend.binary(f, g.data(), g.shapeView(), other, otherShape, out, g.shapeView());
        return DenseTensor.wrap(out, g.shapeView());
    }
}
