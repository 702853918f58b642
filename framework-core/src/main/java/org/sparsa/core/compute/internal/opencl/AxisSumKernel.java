package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * Sums over the middle axis of {@code [outer, length, inner]} (one work item per
 * {@code (o, i)}, adding {@code j} in ascending order) and its backward, the repeat along that
 * axis (one work item per output element).
 */
public final class AxisSumKernel extends Kernel implements RangeKernel {
    private float[] x = new float[1];
    private float[] y = new float[1];
    private int length;
    private int inner;
    private int expand;
    private int items;
    private int first;

    /** Sets {@code y[o, i] = sum_j x[o, j, i]} as the next launches' work. */
    public void bindSum(int outer, int length, int inner, float[] x, float[] y) {
        this.expand = 0;
        this.length = length;
        this.inner = inner;
        this.items = outer * inner;
        this.x = x;
        this.y = y;
    }

    /** Sets {@code y[o, j, i] = x[o, i]} as the next launches' work. */
    public void bindExpand(int outer, int length, int inner, float[] x, float[] y) {
        this.expand = 1;
        this.length = length;
        this.inner = inner;
        this.items = outer * length * inner;
        this.x = x;
        this.y = y;
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            if (expand == 0) {
                int o = id / inner;
                int i = id - o * inner;
                int base = o * length * inner + i;
                float sum = 0f;
                for (int j = 0; j < length; j++) {
                    sum = sum + x[base + j * inner];
                }
                y[id] = sum;
            } else {
                int i = id % inner;
                int o = id / (length * inner);
                y[id] = x[o * inner + i];
            }
        }
    }
}
