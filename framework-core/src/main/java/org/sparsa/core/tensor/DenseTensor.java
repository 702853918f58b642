package org.sparsa.core.tensor;

import java.util.Arrays;
import org.sparsa.api.tensor.Tensor;

/**
 * The framework's {@link Tensor}: a contiguous row-major {@code float[]} and a shape. The engine
 * reads {@link #data()} directly instead of copying; nothing writes to it once the tensor is made.
 */
public final class DenseTensor implements Tensor {
    private final float[] data;
    private final int[] shape;

    private DenseTensor(float[] data, int[] shape) {
        int size = Shapes.size(shape);
        if (size != data.length) {
            throw new IllegalArgumentException("tensor: shape " + Arrays.toString(shape)
                    + " holds " + size + " values, found " + data.length);
        }
        this.data = data;
        this.shape = shape;
    }

    /** A tensor over {@code data} itself (not a copy): the caller must not change it afterwards. */
    public static DenseTensor wrap(float[] data, int... shape) {
        return new DenseTensor(data, shape.clone());
    }

    /** A tensor holding a copy of {@code data}. */
    public static DenseTensor copyOf(float[] data, int... shape) {
        return new DenseTensor(data.clone(), shape.clone());
    }

    /** A tensor of zeros. */
    public static DenseTensor zeros(int... shape) {
        return new DenseTensor(new float[Shapes.size(shape)], shape.clone());
    }

    /** The framework's view of any tensor: itself when it is one, else a copy. */
    public static DenseTensor of(Tensor tensor) {
        return tensor instanceof DenseTensor dense ? dense
                : new DenseTensor(tensor.toArray(), tensor.shape());
    }

    /** The backing array, row-major; read only. */
    public float[] data() {
        return data;
    }

    /** The shape without copying; read only. */
    public int[] shapeView() {
        return shape;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public int dim(int axis) {
        return shape[Shapes.axis(axis, shape.length, "dim")];
    }

    @Override
    public int rank() {
        return shape.length;
    }

    @Override
    public int size() {
        return data.length;
    }

    @Override
    public float[] toArray() {
        return data.clone();
    }

    @Override
    public void copyTo(float[] target, int offset) {
        System.arraycopy(data, 0, target, offset, data.length);
    }

    @Override
    public float get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("tensor get: " + index.length
                    + " indices for shape " + Arrays.toString(shape));
        }
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("tensor get: index " + Arrays.toString(index)
                        + " outside shape " + Arrays.toString(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return data[flat];
    }

    @Override
    public float item() {
        if (data.length != 1) {
            throw new IllegalStateException("tensor item: shape " + Arrays.toString(shape)
                    + " holds " + data.length + " values, not one");
        }
        return data[0];
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
