package org.sparsa.core.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor as the header of a safetensors file describes it.
 *
 * @param name the tensor's name in the header
 * @param dtype its element type
 * @param shape its dimensions, outermost first; empty for a scalar (copied on the way in and out)
 * @param begin where its bytes start, relative to the start of the data area (the
 *     {@code data_offsets} of the file, not a position in the file)
 * @param end where its bytes end (exclusive), relative to the start of the data area
 */
public record TensorEntry(String name, DType dtype, int[] shape, long begin, long end) {

    public TensorEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /**
     * The number of elements: the product of the dimensions, 1 for a scalar.
     *
     * @throws ArithmeticException if the product does not fit a long
     */
    public long elementCount() {
        long count = 1;
        for (int dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    /** The number of data bytes, {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorEntry that && name.equals(that.name) && dtype == that.dtype
                && Arrays.equals(shape, that.shape) && begin == that.begin && end == that.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
}
