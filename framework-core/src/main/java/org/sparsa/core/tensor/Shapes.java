package org.sparsa.core.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the ops: sizes, axes, broadcasting. */
public final class Shapes {

    private Shapes() {
    }

    /**
     * The number of elements of {@code shape}.
     *
     * @throws IllegalArgumentException for a negative dimension or more than fits in one array
     */
    public static int size(int[] shape) {
        long size = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape "
                        + Arrays.toString(shape));
            }
            size *= d;
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " has more elements than fit in one array");
            }
        }
        return (int) size;
    }

    /**
     * {@code axis} made non-negative for a tensor of {@code rank} dimensions.
     *
     * @throws IllegalArgumentException naming {@code op} when the axis is out of range
     */
    public static int axis(int axis, int rank, String op) {
        int resolved = axis < 0 ? axis + rank : axis;
        if (resolved < 0 || resolved >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for rank "
                    + rank);
        }
        return resolved;
    }

    /**
     * The NumPy broadcast of two shapes.
     *
     * @throws IllegalArgumentException naming {@code op} and both shapes when they do not broadcast
     */
    public static int[] broadcast(int[] a, int[] b, String op) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** {@code shape} padded with leading 1s to {@code rank} dimensions. */
    public static int[] padLeft(int[] shape, int rank) {
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        System.arraycopy(shape, 0, out, rank - shape.length, shape.length);
        return out;
    }

    /** Row-major strides of {@code shape}. */
    public static int[] strides(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }
}
