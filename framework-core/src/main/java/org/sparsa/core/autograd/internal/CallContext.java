package org.sparsa.core.autograd.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * The {@link FunctionContext} of one call of a custom function: it lives from the forward to
 * the backward, holding what the forward saved.
 */
final class CallContext implements FunctionContext {
    private final BackendKind backend;
    private final boolean[] needsGradient;
    private final List<Tensor> saved = new ArrayList<>();

    CallContext(BackendKind backend, boolean[] needsGradient) {
        this.backend = backend;
        this.needsGradient = needsGradient;
    }

    @Override
    public void save(Tensor... tensors) {
        for (Tensor t : tensors) {
            saved.add(t == null ? null : DenseTensor.of(t));
        }
    }

    @Override
    public List<Tensor> saved() {
        return Collections.unmodifiableList(saved);
    }

    @Override
    public boolean needsGradient(int index) {
        if (index < 0 || index >= needsGradient.length) {
            throw new IndexOutOfBoundsException("needsGradient: input " + index
                    + " is out of range [0, " + needsGradient.length + ")");
        }
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
