package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.api.tensor.IntTensor;

/** Index checks shared by the indexing ops: kernels trust their indices, so ops check first. */
final class Indices {

    private Indices() {
    }

    /**
     * The values of {@code indices}, each checked to lie in {@code [0, bound)}.
     *
     * @param what what the range is, for the message ({@code "axis 1 of shape [2, 5]"})
     * @throws IllegalArgumentException naming the op, the index, its position and the range
     */
    static int[] checked(String op, IntTensor indices, int bound, String what) {
        if (indices == null) {
            throw new IllegalArgumentException(op + ": indices are null");
        }
        int[] values = indices.toArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= bound) {
                throw new IllegalArgumentException(op + ": index " + values[i] + " at position "
                        + position(indices.shape(), i) + " is out of range [0, " + bound
                        + ") for " + what);
            }
        }
        return values;
    }

    /** The multi-dimensional position of flat index {@code flat} in {@code shape}. */
    static String position(int[] shape, int flat) {
        int[] position = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] > 0) {
                position[d] = flat % shape[d];
                flat /= shape[d];
            }
        }
        return Arrays.toString(position);
    }
}
