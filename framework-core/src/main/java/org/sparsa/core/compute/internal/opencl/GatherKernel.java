package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * Take-along-axis on {@code [outer, length, inner]} and its inverse. Gather: one work item per
 * output element {@code (o, j, i)} reads {@code x[o, index[o, j, i], i]}. Scatter-add: one work
 * item per target element {@code (o, t, i)} of {@code y} adds, in ascending {@code j}, every
 * {@code source[o, j, i]} whose index is {@code t}; no two items write the same element, so
 * there are no atomics and the sums have the order of a plain loop over {@code j}.
 *
 * <p>An index outside {@code 0 .. length - 1} (which the caller rules out) reads 0 and adds
 * nothing rather than touching memory outside the arrays.
 */
public final class GatherKernel extends Kernel implements RangeKernel {
    private float[] values = new float[1];
    private float[] y = new float[1];
    private int[] index = new int[1];
    private int length;
    private int indexLength;
    private int inner;
    private int scatter;
    private int items;
    private int first;

    /** Sets {@code y[o, j, i] = x[o, index[o, j, i], i]} as the next launches' work. */
    public void bindGather(int outer, int length, int inner, float[] x, int indexLength,
            int[] index, float[] y) {
        set(0, outer * indexLength * inner, length, indexLength, inner, x, index, y);
    }

    /** Sets {@code y[o, index[o, j, i], i] += source[o, j, i]} as the next launches' work. */
    public void bindScatterAdd(int outer, int length, int inner, float[] y, int indexLength,
            int[] index, float[] source) {
        set(1, outer * length * inner, length, indexLength, inner, source, index, y);
    }

    private void set(int scatter, int items, int length, int indexLength, int inner,
            float[] values, int[] index, float[] y) {
        this.scatter = scatter;
        this.items = items;
        this.length = length;
        this.indexLength = indexLength;
        this.inner = inner;
        this.values = values;
        this.index = index;
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
            int row = id / inner;
            int i = id - row * inner;
            if (scatter == 0) {
                int o = row / indexLength;
                int at = index[id];
                float v = 0f;
                if (at >= 0 && at < length) {
                    v = values[(o * length + at) * inner + i];
                }
                y[id] = v;
            } else {
                int o = row / length;
                int t = row - o * length;
                int base = o * indexLength * inner + i;
                float sum = y[id];
                for (int j = 0; j < indexLength; j++) {
                    int from = base + j * inner;
                    if (index[from] == t) {
                        sum = sum + values[from];
                    }
                }
                y[id] = sum;
            }
        }
    }
}
