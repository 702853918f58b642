package org.sparsa.api.tensor;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A float32 tensor on the host: a shape and contiguous row-major values. Tensors are made by
 * the framework ({@code Ops.tensor}, {@code FunctionContext.tensor}); plugins read them and pass
 * them to ops. Immutable: no method changes the values.
 */
@ProviderType
public interface Tensor {

    /** The sizes of the dimensions, outermost first; a copy. */
    int[] shape();

    /** The size of dimension {@code axis}; a negative axis counts from the end. */
    int dim(int axis);

    /** The number of dimensions. */
    int rank();

    /** The number of elements, the product of the shape. */
    int size();

    /** The values in row-major order; a copy. */
    float[] toArray();

    /**
     * Copies the values, row-major, into {@code target} from {@code offset}: the way fused kernels
     * read their inputs without holding on to the tensor's storage.
     */
    void copyTo(float[] target, int offset);

    /** The value at {@code index} (one entry per dimension). */
    float get(int... index);

    /** The single value of a tensor with one element. */
    float item();
}
