package org.sparsa.core.autograd;

import java.util.List;
import java.util.Objects;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.internal.BinaryOp;
import org.sparsa.core.autograd.internal.ConcatOp;
import org.sparsa.core.autograd.internal.CrossEntropyOp;
import org.sparsa.core.autograd.internal.EmbeddingOp;
import org.sparsa.core.autograd.internal.Engine;
import org.sparsa.core.autograd.internal.Fp8Op;
import org.sparsa.core.autograd.internal.FunctionOp;
import org.sparsa.core.autograd.internal.GatherOp;
import org.sparsa.core.autograd.internal.IndexSelectOp;
import org.sparsa.core.autograd.internal.LayerNormOp;
import org.sparsa.core.autograd.internal.MaskedFillOp;
import org.sparsa.core.autograd.internal.LinearOp;
import org.sparsa.core.autograd.internal.MatmulOp;
import org.sparsa.core.autograd.internal.PermuteOp;
import org.sparsa.core.autograd.internal.ReshapeOp;
import org.sparsa.core.autograd.internal.RmsNormOp;
import org.sparsa.core.autograd.internal.RopeOp;
import org.sparsa.core.autograd.internal.ScaleOp;
import org.sparsa.core.autograd.internal.ScatterAddOp;
import org.sparsa.core.autograd.internal.SliceOp;
import org.sparsa.core.autograd.internal.SoftmaxOp;
import org.sparsa.core.autograd.internal.SumOp;
import org.sparsa.core.autograd.internal.SwiGluOp;
import org.sparsa.core.autograd.internal.TensorVariable;
import org.sparsa.core.autograd.internal.UnaryOp;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.UnaryFunction;
import org.sparsa.core.tensor.DenseTensor;

/**
 * The op set on one {@link Backend}, with reverse-mode differentiation: ops on variables that
 * require gradients record a graph, and {@link Variable#backward()} walks it back. The ops do
 * shape checks and graph bookkeeping only; every computation is a backend kernel, so the same
 * code runs on every backend.
 *
 * <p>Recording is switched per thread ({@link #noGrad()}). Variables belong to the instance
 * that made them and cannot be mixed with another's.
 */
public final class Autograd implements Ops {
    private final Backend backend;
    private final Engine engine;

    /** The op set on {@code backend}. */
    public Autograd(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.engine = new Engine(backend, this);
    }

    /** The kernels the ops run on. */
    public Backend kernels() {
        return backend;
    }

    @Override
    public BackendKind backend() {
        return backend.kind();
    }

    /**
     * A named leaf that collects a gradient, as the parameter store makes them; its value can be
     * replaced and its gradient switched off there.
     */
    public Variable parameter(String name, Tensor value) {
        Objects.requireNonNull(name, "name");
        return engine.leaf(DenseTensor.of(Objects.requireNonNull(value, "value")), true, name);
    }

    // --- values and graph control ---------------------------------------------------------------

    @Override
    public Tensor tensor(float[] values, int... shape) {
        return DenseTensor.copyOf(values, shape);
    }

    @Override
    public Variable constant(Tensor value) {
        return engine.leaf(DenseTensor.of(Objects.requireNonNull(value, "value")), false, null);
    }

    @Override
    public Variable constant(float[] values, int... shape) {
        return engine.leaf(DenseTensor.copyOf(values, shape), false, null);
    }

    @Override
    public Variable leaf(Tensor value) {
        return engine.leaf(DenseTensor.of(Objects.requireNonNull(value, "value")), true, null);
    }

    @Override
    public Variable detach(Variable x) {
        TensorVariable v = engine.unwrap(x, "detach", "input");
        return engine.leaf(v.value(), false, null);
    }

    @Override
    public GradScope noGrad() {
        return engine.noGrad();
    }

    @Override
    public boolean isRecording() {
        return engine.isRecording();
    }

    @Override
    public List<Variable> apply(DifferentiableFunction function, Variable... inputs) {
        return FunctionOp.apply(engine, function, inputs);
    }

    // --- linear algebra and arithmetic ----------------------------------------------------------

    @Override
    public Variable matmul(Variable a, Variable b) {
        return MatmulOp.apply(engine, a, b);
    }

    @Override
    public Variable linear(Variable x, Variable weight) {
        return LinearOp.apply(engine, x, weight);
    }

    @Override
    public Variable add(Variable a, Variable b) {
        return BinaryOp.apply(engine, BinaryFunction.ADD, a, b);
    }

    @Override
    public Variable sub(Variable a, Variable b) {
        return BinaryOp.apply(engine, BinaryFunction.SUB, a, b);
    }

    @Override
    public Variable mul(Variable a, Variable b) {
        return BinaryOp.apply(engine, BinaryFunction.MUL, a, b);
    }

    @Override
    public Variable div(Variable a, Variable b) {
        return BinaryOp.apply(engine, BinaryFunction.DIV, a, b);
    }

    @Override
    public Variable scale(Variable a, double factor) {
        return ScaleOp.apply(engine, a, factor);
    }

    @Override
    public Variable exp(Variable x) {
        return UnaryOp.apply(engine, UnaryFunction.EXP, x);
    }

    @Override
    public Variable log(Variable x) {
        return UnaryOp.apply(engine, UnaryFunction.LOG, x);
    }

    @Override
    public Variable relu(Variable x) {
        return UnaryOp.apply(engine, UnaryFunction.RELU, x);
    }

    @Override
    public Variable silu(Variable x) {
        return UnaryOp.apply(engine, UnaryFunction.SILU, x);
    }

    @Override
    public Variable sigmoid(Variable x) {
        return UnaryOp.apply(engine, UnaryFunction.SIGMOID, x);
    }

    @Override
    public Variable swiglu(Variable gate, Variable up) {
        return SwiGluOp.apply(engine, gate, up);
    }

    // --- reductions and normalisation -----------------------------------------------------------

    @Override
    public Variable softmax(Variable x, int axis) {
        return SoftmaxOp.apply(engine, x, axis, false);
    }

    @Override
    public Variable logSoftmax(Variable x, int axis) {
        return SoftmaxOp.apply(engine, x, axis, true);
    }

    @Override
    public Variable sum(Variable x, boolean keepDims, int... axes) {
        return SumOp.apply(engine, x, keepDims, axes, false);
    }

    @Override
    public Variable mean(Variable x, boolean keepDims, int... axes) {
        return SumOp.apply(engine, x, keepDims, axes, true);
    }

    @Override
    public Variable rmsNorm(Variable x, Variable weight, double eps) {
        return RmsNormOp.apply(engine, x, weight, eps);
    }

    @Override
    public Variable layerNorm(Variable x, Variable weight, Variable bias, double eps) {
        return LayerNormOp.apply(engine, x, weight, bias, eps);
    }

    // --- shape -----------------------------------------------------------------------------------

    @Override
    public Variable reshape(Variable x, int... shape) {
        return ReshapeOp.apply(engine, x, shape);
    }

    @Override
    public Variable permute(Variable x, int... order) {
        return PermuteOp.apply(engine, x, order);
    }

    @Override
    public Variable transpose(Variable x, int axis1, int axis2) {
        return PermuteOp.transpose(engine, x, axis1, axis2);
    }

    @Override
    public Variable slice(Variable x, int axis, int start, int end) {
        return SliceOp.apply(engine, x, axis, start, end);
    }

    @Override
    public Variable concat(int axis, Variable... parts) {
        return ConcatOp.apply(engine, axis, parts);
    }

    // --- indexing --------------------------------------------------------------------------------

    @Override
    public Variable indexSelect(Variable x, int axis, IntTensor indices) {
        return IndexSelectOp.apply(engine, x, axis, indices);
    }

    @Override
    public Variable gather(Variable x, int axis, IntTensor index) {
        return GatherOp.apply(engine, x, axis, index);
    }

    @Override
    public Variable scatterAdd(Variable base, int axis, IntTensor index, Variable source) {
        return ScatterAddOp.apply(engine, base, axis, index, source);
    }

    @Override
    public Variable maskedFill(Variable x, IntTensor mask, float value) {
        return MaskedFillOp.apply(engine, x, mask, value);
    }

    @Override
    public Variable embedding(Variable table, IntTensor ids) {
        return EmbeddingOp.apply(engine, table, ids);
    }

    // --- model building blocks -------------------------------------------------------------------

    @Override
    public Variable rope(Variable x, int timeAxis, IntTensor positions, int rotaryDims,
            double theta) {
        return RopeOp.apply(engine, x, timeAxis, positions, rotaryDims, theta);
    }

    @Override
    public Variable crossEntropy(Variable logits, IntTensor targets, int ignoreIndex) {
        return CrossEntropyOp.apply(engine, logits, targets, ignoreIndex);
    }

    @Override
    public Variable fp8E4m3(Variable x, int group, boolean powerOfTwoScales) {
        return Fp8Op.apply(engine, x, group, powerOfTwoScales);
    }

    @Override
    public String toString() {
        return "Autograd on " + backend.description();
    }
}
