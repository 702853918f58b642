package org.sparsa.core.autograd.internal;

import java.util.Locale;
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
        String op = f.name().toLowerCase(Locale.ROOT);
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
        float[] aData = a.data();
        float[] bData = b.data();
        // Each rule keeps only what it reads, so that add and sub hold no input values.
        Backward backward = switch (f) {
            case ADD -> (dy, needs) -> new DenseTensor[] {
                needs[0] ? Broadcasting.reduceTo(backend, dy, aShape) : null,
                needs[1] ? Broadcasting.reduceTo(backend, dy, bShape) : null};
            case SUB -> (dy, needs) -> new DenseTensor[] {
                needs[0] ? Broadcasting.reduceTo(backend, dy, aShape) : null,
                needs[1] ? engine.scale(Broadcasting.reduceTo(backend, dy, bShape), -1f) : null};
            // d(a*b)/da = b, d(a*b)/db = a.
            case MUL -> (dy, needs) -> new DenseTensor[] {
                needs[0] ? Broadcasting.reduceTo(backend,
                        combine(backend, BinaryFunction.MUL, dy, bData, bFull), aShape) : null,
                needs[1] ? Broadcasting.reduceTo(backend,
                        combine(backend, BinaryFunction.MUL, dy, aData, aFull), bShape) : null};
            // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b, from the output.
            case DIV -> (dy, needs) -> new DenseTensor[] {
                needs[0] ? Broadcasting.reduceTo(backend,
                        combine(backend, BinaryFunction.DIV, dy, bData, bFull), aShape) : null,
                needs[1] ? engine.scale(Broadcasting.reduceTo(backend,
                        combine(backend, BinaryFunction.DIV,
                                combine(backend, BinaryFunction.MUL, dy, out, outShape),
                                bData, bFull), bShape), -1f) : null};
        };
        return engine.result(op, y, backward, a, b);
    }

    /** {@code f(g, other)} with {@code other} (shape {@code otherShape}) broadcast to g's shape. */
    private static DenseTensor combine(Backend backend, BinaryFunction f, DenseTensor g,
            float[] other, int[] otherShape) {
        float[] out = new float[g.size()];
        backend.binary(f, g.data(), g.shapeView(), other, otherShape, out, g.shapeView());
        return DenseTensor.wrap(out, g.shapeView());
    }
}
