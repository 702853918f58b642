package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * Batched matrix product over the last two axes, {@code [..., m, k] x [..., k, n]}, the leading
 * axes broadcasting. An operand whose leading axes are all 1 is shared by every product (batch
 * stride 0); one broadcast only partly is expanded first. Gradients of broadcast operands are
 * summed back to their shapes.
 */
public final class MatmulOp {
    private static final String OP = "matmul";

    private MatmulOp() {
    }

    /** {@code a x b}. */
    public static Variable apply(Engine engine, Variable av, Variable bv) {
        TensorVariable a = engine.unwrap(av, OP, "left operand");
        TensorVariable b = engine.unwrap(bv, OP, "right operand");
        int[] aShape = a.shapeView();
        int[] bShape = b.shapeView();
        if (aShape.length < 2 || bShape.length < 2) {
            throw new IllegalArgumentException(OP + ": shapes " + Arrays.toString(aShape)
                    + " and " + Arrays.toString(bShape) + " need at least two axes each");
        }
        int m = aShape[aShape.length - 2];
        int k = aShape[aShape.length - 1];
        int n = bShape[bShape.length - 1];
        if (bShape[bShape.length - 2] != k) {
            throw new IllegalArgumentException(OP + ": shapes " + Arrays.toString(aShape)
                    + " and " + Arrays.toString(bShape) + " do not fit: " + k + " columns times "
                    + bShape[bShape.length - 2] + " rows");
        }
        int[] aBatch = Arrays.copyOf(aShape, aShape.length - 2);
        int[] bBatch = Arrays.copyOf(bShape, bShape.length - 2);
        int[] batchShape;
        try {
            batchShape = Shapes.broadcast(aBatch, bBatch, OP);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OP + ": shapes " + Arrays.toString(aShape)
                    + " and " + Arrays.toString(bShape) + " do not broadcast over the leading "
                    + "axes", e);
        }
        int batch = Shapes.size(batchShape);
        Backend backend = engine.backend();
        Operand left = Operand.of(backend, a.value(), aBatch, batchShape, m, k);
        Operand right = Operand.of(backend, b.value(), bBatch, batchShape, k, n);

        float[] c = new float[batch * m * n];
        backend.matmul(new MatmulShape(batch, m, n, k, false, false, left.stride, right.stride),
                left.data, right.data, c);
        int[] outShape = Arrays.copyOf(batchShape, batchShape.length + 2);
        outShape[batchShape.length] = m;
        outShape[batchShape.length + 1] = n;

        Backward backward = (dc, needs) -> {
            DenseTensor[] grads = new DenseTensor[2];
            int[] fullShape = Arrays.copyOf(outShape, outShape.length);
            if (needs[0]) {
                // dA_i = dC_i x B_i^T, then summed over the batches that shared A.
                float[] da = new float[batch * m * k];
                backend.matmul(new MatmulShape(batch, m, k, n, false, true, m * n, right.stride),
                        dc.data(), right.data, da);
                fullShape[fullShape.length - 1] = k;
                grads[0] = Broadcasting.reduceTo(backend, DenseTensor.wrap(da, fullShape),
                        aShape);
            }
            if (needs[1]) {
                grads[1] = rightGradient(backend, dc.data(), left, right, batch, m, n, k,
                        batchShape, bShape);
            }
            return grads;
        };
        return engine.result(OP, DenseTensor.wrap(c, outShape), backward, a, b);
    }

    /** {@code dB_i = A_i^T x dC_i}, summed over the batches that shared B. */
    private static DenseTensor rightGradient(Backend backend, float[] dc, Operand left,
            Operand right, int batch, int m, int n, int k, int[] batchShape, int[] bShape) {
        if (right.stride == 0 && left.stride != 0) {
            // B shared by every product (a weight): the sum over batches is one product with
            // the batches stacked as rows, A^T [k, batch*m] x dC [batch*m, n].
            float[] db = new float[k * n];
            backend.matmul(new MatmulShape(1, k, n, batch * m, true, false, 0, 0), left.data,
                    dc, db);
            return DenseTensor.wrap(db, bShape);
        }
        float[] db = new float[batch * k * n];
        backend.matmul(new MatmulShape(batch, k, n, m, true, false, left.stride, m * n),
                left.data, dc, db);
        int[] fullShape = Arrays.copyOf(batchShape, batchShape.length + 2);
        fullShape[batchShape.length] = k;
        fullShape[batchShape.length + 1] = n;
        return Broadcasting.reduceTo(backend, DenseTensor.wrap(db, fullShape), bShape);
    }

    /** One operand as the kernel reads it: values and the stride between batch matrices. */
    private static final class Operand {
        final float[] data;
        final int stride;

        private Operand(float[] data, int stride) {
            this.data = data;
            this.stride = stride;
        }

        static Operand of(Backend backend, DenseTensor value, int[] ownBatch, int[] batchShape,
                int rows, int columns) {
            int matrix = rows * columns;
            if (Shapes.size(ownBatch) == 1) {
                return new Operand(value.data(), Shapes.size(batchShape) == 1 ? matrix : 0);
            }
            if (Arrays.equals(Shapes.padLeft(ownBatch, batchShape.length), batchShape)) {
                return new Operand(value.data(), matrix);
            }
            // Broadcast over some leading axes only: no single stride describes it.
            int[] full = Arrays.copyOf(batchShape, batchShape.length + 2);
            full[batchShape.length] = rows;
            full[batchShape.length + 1] = columns;
            int[] own = Shapes.padLeft(value.shapeView(), full.length);
            return new Operand(Broadcasting.expand(backend,
                    DenseTensor.wrap(value.data(), own), full).data(), matrix);
        }
    }
}
