package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;

/**
 * Mean cross-entropy of logits against target ids, skipping ignored targets. Keeps the per-row
 * log-sum-exp so the backward needs no second pass over the logits to normalise.
 */
public final class CrossEntropyOp {
    private static final String OP = "crossEntropy";

    private CrossEntropyOp() {
    }

    /** The mean over counted rows of {@code logsumexp(row) - row[target]}; 0 when none count. */
    public static Variable apply(Engine engine, Variable logitsv, IntTensor targets,
            int ignoreIndex) {
        TensorVariable logits = engine.unwrap(logitsv, OP, "logits");
        int[] shape = logits.shapeView();
        if (shape.length == 0) {
            throw new IllegalArgumentException(OP + ": logits of shape [] have no vocabulary axis");
        }
        if (targets == null) {
            throw new IllegalArgumentException(OP + ": targets are null");
        }
        int vocab = shape[shape.length - 1];
        int[] rowShape = Arrays.copyOf(shape, shape.length - 1);
        if (!Arrays.equals(targets.shape(), rowShape)) {
            throw new IllegalArgumentException(OP + ": targets of shape "
                    + Arrays.toString(targets.shape()) + " do not fit logits of shape "
                    + Arrays.toString(shape) + "; expected " + Arrays.toString(rowShape));
        }
        int[] target = targets.toArray();
        int rows = target.length;
        int counted = 0;
        for (int r = 0; r < rows; r++) {
            if (target[r] == ignoreIndex) {
                continue;
            }
            if (target[r] < 0 || target[r] >= vocab) {
                throw new IllegalArgumentException(OP + ": target " + target[r] + " at position "
                        + Indices.position(rowShape, r) + " is out of range [0, " + vocab
                        + ") and is not the ignore index " + ignoreIndex);
            }
            counted++;
        }
        Backend backend = engine.backend();
        float[] loss = new float[rows];
        float[] logsumexp = new float[rows];
        backend.crossEntropy(rows, vocab, logits.data(), target, ignoreIndex, loss, logsumexp);
        float[] total = new float[1];
        backend.sumAxis(new AxisLayout(1, rows, 1), loss, total);
        // 1/counted as a factor (not a division) so forward and backward scale alike.
        float factor = counted == 0 ? 0f : 1f / counted;
        float[] mean = new float[1];
        backend.scale(total, factor, mean);
        DenseTensor xValue = logits.value();
        Backward backward = (dy, needs) -> {
            float[] dx = new float[xValue.size()];
            backend.crossEntropyBackward(rows, vocab, xValue.data(), target, ignoreIndex,
                    logsumexp, dy.data()[0] * factor, dx);
            return new DenseTensor[] {DenseTensor.wrap(dx, shape)};
        };
        return engine.result(OP, DenseTensor.wrap(mean), backward, logits);
    }
}
