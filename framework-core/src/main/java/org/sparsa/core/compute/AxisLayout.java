package org.sparsa.core.compute;

/**
 * A contiguous tensor seen as {@code [outer, length, inner]} around one axis: how the backends
 * address reductions, softmax, slices and indexing along an axis without moving data.
 *
 * @param outer the product of the sizes before the axis
 * @param length the size of the axis
 * @param inner the product of the sizes after the axis
 */
public record AxisLayout(int outer, int length, int inner) {

    public AxisLayout {
        if (outer < 0 || length < 0 || inner < 0) {
            throw new IllegalArgumentException("negative size in [" + outer + ", " + length + ", "
                    + inner + "]");
        }
    }

    /** The layout of {@code shape} around {@code axis} (already made non-negative). */
    public static AxisLayout of(int[] shape, int axis) {
        int outer = 1;
        int inner = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        return new AxisLayout(outer, shape[axis], inner);
    }

    /** The layout with another axis length (a reduced, sliced or gathered result). */
    public AxisLayout withLength(int newLength) {
        return new AxisLayout(outer, newLength, inner);
    }

    /** The number of elements. */
    public int size() {
        return outer * length * inner;
    }
}
