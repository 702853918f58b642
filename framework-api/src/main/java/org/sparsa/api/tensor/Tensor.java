package org.sparsa.api.tensor;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A float32 tensor on the host: a shape and row-major values. Tensors are made by the
 * framework's backends; plugins read them and pass them to ops. Immutable from a plugin's view.
 */
@ProviderType
public interface Tensor {

    /** The sizes of the dimensions, outermost first; a copy. */
    int[] shape();

    /** The number of dimensions. */
    default int rank() {
        return shape().length;
    }

    /** The number of elements, the product of the shape. */
    long size();

    /** The values in row-major order; a copy. */
    float[] toArray();
}
