package org.sparsa.api.autograd;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.tensor.Tensor;

/**
 * The differentiable op set plugins compute with, bound to one backend. Every op takes and
 * returns {@link Variable}s; when gradients are enabled and an input requires one, the op is
 * recorded so that {@link Variable#backward()} can reach it. A variable's {@link Variable#ops()}
 * gives the instance it belongs to.
 *
 * <p>Conventions. Axes count from 0; a negative axis counts from the end. Element-wise binary
 * ops broadcast like NumPy (shapes aligned at the last axis; a size-1 or missing axis
 * repeats). Shapes that do not fit throw {@link IllegalArgumentException} naming the op and the
 * shapes. Reductions add in a fixed order, so the same inputs give bit-identical results on the
 * same backend.
 */
@ProviderType
public interface Ops {

    /** The backend the ops run on ({@code JAVA} or {@code OPENCL}, never {@code AUTO}). */
    BackendKind backend();

    // --- values and graph control -------------------------------------------------------------

    /** A tensor holding a copy of {@code values}, row-major, with the given shape. */
    Tensor tensor(float[] values, int... shape);

    /** A variable that needs no gradient. */
    Variable constant(Tensor value);

    /** A variable that needs no gradient, from a copy of {@code values}. */
    Variable constant(float[] values, int... shape);

    /** A leaf variable that collects a gradient (a trainable input outside the parameter store). */
    Variable leaf(Tensor value);

    /** The same value, cut from the graph: no gradient flows back through the result. */
    Variable detach(Variable x);

    /** Starts a region in which ops record no graph; close it to end the region. */
    GradScope noGrad();

    /** Whether ops record the graph at this point (false inside {@link #noGrad()}). */
    boolean isRecording();

    /**
     * Applies a custom differentiable function (a fused kernel) to {@code inputs}; its backward
     * joins the graph like any built-in op's.
     */
    List<Variable> apply(DifferentiableFunction function, Variable... inputs);

    // --- linear algebra and arithmetic --------------------------------------------------------

    /**
     * Matrix product over the last two axes: {@code [..., m, k] x [..., k, n] -> [..., m, n]}.
     * Leading axes broadcast, so a 2-D right-hand side is shared by every batch.
     */
    Variable matmul(Variable a, Variable b);

    /**
     * A linear layer's product {@code x Wᵀ}: {@code x [..., in]} by a weight stored
     * {@code [out, in]} (as Hugging Face stores it) gives {@code [..., out]}. The same values as
     * {@code matmul(x, transpose(weight, 0, 1))}; engines override it to skip writing the
     * transpose out on every call.
     *
     * @since 1.1
     */
    default Variable linear(Variable x, Variable weight) {
        return matmul(x, transpose(weight, 0, 1));
    }

    /** {@code a + b}, broadcasting. */
    Variable add(Variable a, Variable b);

    /** {@code a - b}, broadcasting. */
    Variable sub(Variable a, Variable b);

    /** {@code a * b} element-wise, broadcasting. */
    Variable mul(Variable a, Variable b);

    /** {@code a / b} element-wise, broadcasting. */
    Variable div(Variable a, Variable b);

    /** {@code a * factor}. */
    Variable scale(Variable a, double factor);

    /** {@code e^x} element-wise. */
    Variable exp(Variable x);

    /** Natural logarithm element-wise. */
    Variable log(Variable x);

    /** {@code max(x, 0)}; its gradient at 0 is 0. */
    Variable relu(Variable x);

    /** {@code x * sigmoid(x)}. */
    Variable silu(Variable x);

    /** {@code 1 / (1 + e^-x)}. */
    Variable sigmoid(Variable x);

    /**
     * {@code silu(gate) * up} element-wise, the gated unit of a SwiGLU feed-forward layer, as
     * one fused op: the same values and gradients as {@code mul(silu(gate), up)} without the
     * intermediate tensor. {@code gate} and {@code up} have the same shape.
     *
     * @since 1.2
     */
    Variable swiglu(Variable gate, Variable up);

    // --- reductions and normalisation ---------------------------------------------------------

    /** Softmax along {@code axis} (max-subtracted, so large inputs do not overflow). */
    Variable softmax(Variable x, int axis);

    /** Log of the softmax along {@code axis}, computed stably. */
    Variable logSoftmax(Variable x, int axis);

    /** Sum over {@code axes} (all axes when none are given), keeping them as size 1 if asked. */
    Variable sum(Variable x, boolean keepDims, int... axes);

    /** Mean over {@code axes} (all axes when none are given), keeping them as size 1 if asked. */
    Variable mean(Variable x, boolean keepDims, int... axes);

    /** RMSNorm over the last axis: {@code x * rsqrt(mean(x^2) + eps) * weight}. */
    Variable rmsNorm(Variable x, Variable weight, double eps);

    /**
     * LayerNorm over the last axis: {@code (x - mean) * rsqrt(var + eps) * weight + bias}, with the
     * biased variance; {@code bias} may be null.
     */
    Variable layerNorm(Variable x, Variable weight, Variable bias, double eps);

    // --- shape ---------------------------------------------------------------------------------

    /** The same values with another shape of the same size; one dimension may be {@code -1}. */
    Variable reshape(Variable x, int... shape);

    /** Reorders the axes: result axis {@code i} is input axis {@code order[i]}. */
    Variable permute(Variable x, int... order);

    /** Swaps two axes. */
    Variable transpose(Variable x, int axis1, int axis2);

    /** The entries {@code start} (inclusive) to {@code end} (exclusive) along {@code axis}. */
    Variable slice(Variable x, int axis, int start, int end);

    /** Joins {@code parts}, equal in shape except along {@code axis}, along {@code axis}. */
    Variable concat(int axis, Variable... parts);

    // --- indexing ------------------------------------------------------------------------------

    /**
     * Whole slices along {@code axis} picked by {@code indices} (any shape), which replace that
     * axis in the result: {@code x [a, n, b]}, indices {@code [i, j]} gives {@code [a, i, j, b]}.
     */
    Variable indexSelect(Variable x, int axis, IntTensor indices);

    /**
     * {@code out[..., j, ...] = x[..., index[..., j, ...], ...]} along {@code axis}: the index has
     * the shape of {@code x} except along {@code axis}, and so has the result (take along axis).
     */
    Variable gather(Variable x, int axis, IntTensor index);

    /**
     * {@code base} plus {@code source} added at the positions {@code index} names along
     * {@code axis} (the inverse of {@link #gather}; index and source have one shape, equal to
     * {@code base} except along {@code axis}). Repeated indices add up, in index order.
     */
    Variable scatterAdd(Variable base, int axis, IntTensor index, Variable source);

    /** {@code x} with {@code value} wherever {@code mask} (broadcast to x's shape) is non-zero. */
    Variable maskedFill(Variable x, IntTensor mask, float value);

    /** Rows of {@code table [n, d]} for each id: ids of shape {@code s} give {@code [s..., d]}. */
    Variable embedding(Variable table, IntTensor ids);

    // --- model building blocks -----------------------------------------------------------------

    /**
     * Rotary position embedding, NeoX rotate-half, on the first {@code rotaryDims} entries of the
     * last axis: pairs {@code (x_i, x_{i+r/2})} for {@code i < r/2} turn by the angle
     * {@code p * theta^(-2i/r)} where {@code r = rotaryDims} and {@code p = positions[t]} for the
     * entry at {@code t} along {@code timeAxis}. The other entries pass unchanged.
     */
    Variable rope(Variable x, int timeAxis, IntTensor positions, int rotaryDims, double theta);

    /**
     * Mean cross-entropy of {@code logits [..., V]} against {@code targets} (shape of the logits
     * without the last axis), skipping targets equal to {@code ignoreIndex}; 0 when every target
     * is skipped.
     */
    Variable crossEntropy(Variable logits, IntTensor targets, int ignoreIndex);

    /**
     * Simulated FP8 e4m3 quantise-dequantise of {@code x} along its last axis, one scale per
     * {@code group} entries of a row ({@code scale = max(amax, 1e-4) / 448}, rounded up to a
     * power of two if asked). The gradient passes straight through.
     */
    Variable fp8E4m3(Variable x, int group, boolean powerOfTwoScales);
}
