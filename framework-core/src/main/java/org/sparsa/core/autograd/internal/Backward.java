package org.sparsa.core.autograd.internal;

import org.sparsa.core.tensor.DenseTensor;

/** The backward rule of a single-output op, recorded with its node. */
@FunctionalInterface
public interface Backward {

    /**
     * The gradient of the loss with respect to each input, from the gradient with respect to the
     * output. Entries for inputs whose {@code needsGradient} is false may be null and are ignored.
     */
    DenseTensor[] apply(DenseTensor outputGradient, boolean[] needsGradient);
}
