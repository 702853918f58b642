package org.sparsa.api.autograd;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.tensor.Tensor;

/**
 * Storage a {@link DifferentiableFunction} uses to carry tensors from its forward pass to its
 * backward pass.
 */
@ProviderType
public interface FunctionContext {

    /** Keeps {@code tensors} for the backward pass. */
    void save(Tensor... tensors);

    /** The tensors saved in the forward pass, in order. */
    List<Tensor> saved();
}
