package org.sparsa.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.tensor.DenseTensor;

/** Gradient clipping by the global norm over all gradients, as PyTorch's clip_grad_norm_. */
public final class GradientClipping {
    /** Keeps the scale finite when the norm is zero, as PyTorch does. */
    private static final double EPSILON = 1e-6;

    private GradientClipping() {}

    /**
     * The L2 norm over the gradients of every unfrozen parameter of {@code store}, summed in
     * double in the store's order (so the same gradients always give the same norm).
     */
    public static double globalNorm(ParameterStore store) {
        double sumOfSquares = 0;
        for (Variable parameter : store) {
            Optional<Tensor> grad = parameter.grad();
            if (parameter.requiresGrad() && grad.isPresent()) {
                for (float g : DenseTensor.of(grad.get()).data()) {
                    sumOfSquares += (double) g * g;
                }
            }
        }
        return Math.sqrt(sumOfSquares);
    }

    /**
     * The names of the unfrozen parameters of {@code store} whose gradients hold a NaN or an
     * infinity, in the store's order.
     */
    public static List<String> nonFiniteGradients(ParameterStore store) {
        List<String> names = new ArrayList<>();
        for (Variable parameter : store) {
            Optional<Tensor> grad = parameter.grad();
            if (parameter.requiresGrad() && grad.isPresent()) {
                for (float g : DenseTensor.of(grad.get()).data()) {
                    if (!Float.isFinite(g)) {
                        names.add(parameter.name().orElse("?"));
                        break;
                    }
                }
            }
        }
        return names;
    }

    /**
     * Scales every gradient of {@code store} by {@code maxNorm / (norm + 1e-6)} when the global
     * norm exceeds {@code maxNorm}; leaves them as they are otherwise, and also when the norm is
     * not finite (scaling would turn every gradient into NaN or zero and hide the divergence;
     * the caller decides what to do with such a step).
     *
     * @return the norm before clipping
     * @throws IllegalArgumentException if {@code maxNorm} is not positive
     */
    public static double clipByGlobalNorm(ParameterStore store, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("clipByGlobalNorm: maxNorm " + maxNorm
                    + " must be positive");
        }
        double norm = globalNorm(store);
        if (!Double.isFinite(norm) || norm <= maxNorm) {
            return norm;
        }
        double scale = maxNorm / (norm + EPSILON);
        for (Variable parameter : store) {
            Optional<Tensor> grad = parameter.grad();
            if (parameter.requiresGrad() && grad.isPresent()) {
                DenseTensor g = DenseTensor.of(grad.get());
                float[] source = g.data();
                float[] scaled = new float[source.length];
                for (int i = 0; i < source.length; i++) {
                    scaled[i] = (float) (source[i] * scale);
                }
                store.setGrad(parameter.name().orElseThrow(),
                        DenseTensor.wrap(scaled, g.shapeView()));
            }
        }
        return norm;
    }
}
