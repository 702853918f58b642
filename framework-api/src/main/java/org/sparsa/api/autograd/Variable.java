package org.sparsa.api.autograd;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.tensor.Tensor;

/**
 * A node of the autograd graph: a tensor value and, after a backward pass, its gradient.
 * Parameters are variables owned by the framework; ops on variables (through {@link #ops()})
 * record the graph.
 */
@ProviderType
public interface Variable {

    /** The value. */
    Tensor value();

    /** Shorthand for {@code value().shape()}. */
    default int[] shape() {
        return value().shape();
    }

    /**
     * The gradient accumulated by backward passes since the last {@link #zeroGrad()}; empty
     * until one reached this variable.
     */
    Optional<Tensor> grad();

    /** Forgets the accumulated gradient. */
    void zeroGrad();

    /** Whether gradients flow into this variable. */
    boolean requiresGrad();

    /** The parameter name for a parameter (as in the model layout), empty otherwise. */
    Optional<String> name();

    /** The op set this variable belongs to; ops on it are recorded there. */
    Ops ops();

    /**
     * Back-propagates from this variable, which must hold a single value, adding the gradient
     * of it to every leaf that requires one.
     *
     * @throws IllegalStateException when the variable has more than one value or needs no gradient
     */
    void backward();
}
