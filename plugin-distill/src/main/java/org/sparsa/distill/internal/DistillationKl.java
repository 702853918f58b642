package org.sparsa.distill.internal;

import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.tensor.Tensor;

/**
 * The distillation loss of the {@code logits} mode: over the counted positions, the mean of
 * {@code T² · KL} between the teacher's and the student's next-token distributions, both
 * softened by the temperature {@code T} (the {@code T²} keeps the gradient's scale independent
 * of {@code T}, as in Hinton et al.). Inputs: the student's logits {@code [..., V]} (the only one
 * that gets a gradient), the teacher's logits of the same shape, and a weight per position
 * {@code [...]}: 1 where the position counts, 0 where it does not (padding). Exact gradient:
 * forward KL gives {@code T (q - p) / n}, reverse KL {@code T q (log q - log p - KL) / n} per
 * logit, with {@code n} the counted positions. Computed in double, row by row in order, so the
 * result does not depend on threads.
 */
final class DistillationKl implements DifferentiableFunction {
    private final KlDirection direction;
    private final double temperature;

    DistillationKl(KlDirection direction, double temperature) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("distillation KL: temperature must be above 0, "
                    + "found " + temperature);
        }
        this.direction = direction;
        this.temperature = temperature;
    }

    @Override
    public Tensor[] forward(FunctionContext context, Tensor... inputs) {
        Tensor student = inputs[0];
        Tensor teacher = inputs[1];
        float[] weights = inputs[2].toArray();
        int vocab = student.dim(student.rank() - 1);
        if (!java.util.Arrays.equals(student.shape(), teacher.shape())
                || weights.length * vocab != student.size()) {
            throw new IllegalArgumentException("distillation KL: student logits "
                    + java.util.Arrays.toString(student.shape()) + ", teacher logits "
                    + java.util.Arrays.toString(teacher.shape()) + " and " + weights.length
                    + " position weights do not match");
        }
        float[] s = student.toArray();
        float[] t = teacher.toArray();
        double counted = 0;
        for (float w : weights) {
            counted += w;
        }
        float[] grad = new float[s.length];
        double total = 0;
        double[] logQ = new double[vocab];
        double[] logP = new double[vocab];
        for (int row = 0; row < weights.length; row++) {
            if (weights[row] == 0) {
                continue;
            }
            int at = row * vocab;
            logSoftmax(s, at, vocab, logQ);
            logSoftmax(t, at, vocab, logP);
            double kl = 0;
            for (int v = 0; v < vocab; v++) {
                kl += direction == KlDirection.FORWARD
                        ? Math.exp(logP[v]) * (logP[v] - logQ[v])
                        : Math.exp(logQ[v]) * (logQ[v] - logP[v]);
            }
            double scale = weights[row] / counted;
            total += scale * temperature * temperature * kl;
            for (int v = 0; v < vocab; v++) {
                double q = Math.exp(logQ[v]);
                double g = direction == KlDirection.FORWARD ? q - Math.exp(logP[v])
                        : q * (logQ[v] - logP[v] - kl);
                grad[at + v] = (float) (scale * temperature * g);
            }
        }
        context.save(context.tensor(grad, student.shape()));
        return new Tensor[] {context.tensor(new float[] {(float) (counted == 0 ? 0 : total)}, 1)};
    }

    @Override
    public Tensor[] backward(FunctionContext context, Tensor... outputGradients) {
        float upstream = outputGradients[0].item();
        Tensor saved = context.saved().get(0);
        float[] grad = saved.toArray();
        for (int i = 0; i < grad.length; i++) {
            grad[i] *= upstream;
        }
        return new Tensor[] {context.tensor(grad, saved.shape()), null, null};
    }

    /** {@code log softmax(x / T)} of the row at {@code at} into {@code out}. */
    private void logSoftmax(float[] x, int at, int vocab, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, x[at + v] / temperature);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(x[at + v] / temperature - max);
        }
        double log = max + Math.log(sum);
        for (int v = 0; v < vocab; v++) {
            out[v] = x[at + v] / temperature - log;
        }
    }
}
