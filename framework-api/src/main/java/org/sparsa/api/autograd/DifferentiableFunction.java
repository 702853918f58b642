package org.sparsa.api.autograd;

import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.tensor.Tensor;

/**
 * A custom differentiable op with its own forward and backward, which is how fused kernels join
 * the autograd graph. The backward must be exact: the framework checks it against finite
 * differences.
 */
@ConsumerType
public interface DifferentiableFunction {

    /** Computes the outputs from the inputs, saving in {@code context} what backward needs. */
    Tensor[] forward(FunctionContext context, Tensor... inputs);

    /**
     * Computes the gradient of the loss with respect to each input from the gradients with
     * respect to each output; {@code null} for an input that needs none.
     */
    Tensor[] backward(FunctionContext context, Tensor... outputGradients);
}
