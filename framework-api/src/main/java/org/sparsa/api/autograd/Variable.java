package org.sparsa.api.autograd;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.tensor.Tensor;

/**
 * A node of the autograd graph: a tensor value and, after a backward pass, its gradient.
 * Parameters are variables owned by the framework; ops on variables record the graph.
 */
@ProviderType
public interface Variable {

    /** The value. */
    Tensor value();

    /** The accumulated gradient, once a backward pass reached this variable. */
    Optional<Tensor> grad();

    /** Whether gradients flow into this variable. */
    boolean requiresGrad();
}
