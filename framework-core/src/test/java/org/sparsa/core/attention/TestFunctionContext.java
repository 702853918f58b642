package org.sparsa.core.attention;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/** A {@link FunctionContext} for calling a differentiable function without the engine. */
final class TestFunctionContext implements FunctionContext {
    private final BackendKind backend;
    private final boolean[] needsGradient;
    private final List<Tensor> saved = new ArrayList<>();

    /** Every input needs a gradient. */
    TestFunctionContext(BackendKind backend) {
        this(backend, true, true, true);
    }

    TestFunctionContext(BackendKind backend, boolean... needsGradient) {
        this.backend = backend;
        this.needsGradient = needsGradient.clone();
    }

    @Override
    public void save(Tensor... tensors) {
        saved.addAll(Arrays.asList(tensors));
    }

    @Override
    public List<Tensor> saved() {
        return List.copyOf(saved);
    }

    @Override
    public boolean needsGradient(int index) {
        return needsGradient[index];
    }

    @Override
    public Tensor tensor(float[] values, int... shape) {
        return DenseTensor.wrap(values, shape);
    }

    @Override
    public BackendKind backend() {
        return backend;
    }
}
