package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * {@code y} = {@code x} with its axes reordered, one work item per element of {@code y}: the
 * item splits its flat index into coordinates of {@code y}'s shape and dots them with the
 * strides of the matching axes of {@code x}.
 */
public final class PermuteKernel extends Kernel implements RangeKernel {
    private float[] x = new float[1];
    private float[] y = new float[1];
    private int[] shape = new int[BinaryKernel.MAX_RANK];
    private int[] strides = new int[BinaryKernel.MAX_RANK];
    private int rank;
    private int items;
    private int first;

    /**
     * Sets the next launches' work: {@code shape} is {@code y}'s, {@code strides} those of
     * {@code x} for each axis of {@code y}, both with {@link BinaryKernel#MAX_RANK} entries.
     */
    public void bind(float[] x, int[] strides, float[] y, int[] shape, int rank) {
        this.x = x;
        this.strides = strides;
        this.y = y;
        this.shape = shape;
        this.rank = rank;
        this.items = y.length;
    }

    /** The int arrays to put before a launch. */
    public int[][] shapes() {
        return new int[][] {shape, strides};
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            int rest = id;
            int xi = 0;
            for (int d = rank - 1; d >= 0; d--) {
                int size = shape[d];
                int next = rest / size;
                xi = xi + (rest - next * size) * strides[d];
                rest = next;
            }
            y[id] = x[xi];
        }
    }
}
