package org.sparsa.api.autograd;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;

/**
 * What a {@link DifferentiableFunction} gets from the framework for one call: storage that
 * carries tensors from forward to backward, a way to make result tensors, and the backend the
 * call runs on so a fused function can pick its kernel.
 */
@ProviderType
public interface FunctionContext {

    /** Keeps {@code tensors} for the backward pass. */
    void save(Tensor... tensors);

    /** The tensors saved in the forward pass, in order. */
    List<Tensor> saved();

    /** Whether input {@code index} needs a gradient; backward may return null for it when not. */
    boolean needsGradient(int index);

    /** A tensor holding {@code values} (taken over, not copied: do not change them afterwards). */
    Tensor tensor(float[] values, int... shape);

    /** The backend the call runs on ({@code JAVA} or {@code OPENCL}, never {@code AUTO}). */
    BackendKind backend();
}
