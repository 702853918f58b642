package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * {@code y = x} except {@code value} where the broadcast mask is non-zero, one work item per
 * element; the mask's strides (0 on broadcast axes) come as an int array as in
 * {@link BinaryKernel}.
 */
public final class MaskedFillKernel extends Kernel implements RangeKernel {
    private float[] x = new float[1];
    private float[] y = new float[1];
    private int[] mask = new int[1];
    private int[] shape = new int[BinaryKernel.MAX_RANK];
    private int[] maskStrides = new int[BinaryKernel.MAX_RANK];
    private int rank;
    private float value;
    private int items;
    private int first;

    /** Sets the next launches' work; the int arrays have {@link BinaryKernel#MAX_RANK} entries. */
    public void bind(float[] x, int[] shape, int rank, int[] mask, int[] maskStrides,
            float value, float[] y) {
        this.x = x;
        this.shape = shape;
        this.rank = rank;
        this.mask = mask;
        this.maskStrides = maskStrides;
        this.value = value;
        this.y = y;
        this.items = x.length;
    }

    /** The int arrays to put before a launch. */
    public int[][] shapes() {
        return new int[][] {shape, maskStrides};
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
            int mi = 0;
            for (int d = rank - 1; d >= 0; d--) {
                int size = shape[d];
                int next = rest / size;
                mi = mi + (rest - next * size) * maskStrides[d];
                rest = next;
            }
            if (mask[mi] != 0) {
                y[id] = value;
            } else {
                y[id] = x[id];
            }
        }
    }
}
