package org.sparsa.api.tensor;

import java.util.Arrays;

/**
 * An immutable tensor of ints: token ids, target ids, gather and scatter indices, positions and
 * masks (non-zero means set).
 */
public final class IntTensor {
    private final int[] values;
    private final int[] shape;

    private IntTensor(int[] values, int[] shape) {
        long size = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("int tensor: negative dimension in shape "
                        + Arrays.toString(shape));
            }
            size *= d;
        }
        if (size != values.length) {
            throw new IllegalArgumentException("int tensor: shape " + Arrays.toString(shape)
                    + " holds " + size + " values, found " + values.length);
        }
        this.values = values;
        this.shape = shape;
    }

    /** An int tensor of the given shape holding a copy of {@code values} in row-major order. */
    public static IntTensor of(int[] values, int... shape) {
        return new IntTensor(values.clone(), shape.clone());
    }

    /** A one-dimensional int tensor. */
    public static IntTensor vector(int... values) {
        return new IntTensor(values.clone(), new int[] {values.length});
    }

    /** The sizes of the dimensions; a copy. */
    public int[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The number of values. */
    public int size() {
        return values.length;
    }

    /** The values in row-major order; a copy. */
    public int[] toArray() {
        return values.clone();
    }

    /** The value at flat row-major position {@code i}. */
    public int at(int i) {
        return values[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntTensor other && Arrays.equals(shape, other.shape)
                && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "IntTensor" + Arrays.toString(shape);
    }
}
