package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * Whole slices along the middle axis of {@code [outer, length, inner]} picked by a list of
 * indices, and the backward that adds them back. Select: one work item per output element
 * {@code (o, j, i)} reads {@code x[o, indices[j], i]}. Add: one work item per target element
 * {@code (o, t, i)} adds, in ascending {@code j}, every {@code source[o, j, i]} with
 * {@code indices[j] == t}; no atomics.
 *
 * <p>An index outside {@code 0 .. length - 1} (which the caller rules out) reads 0 and adds
 * nothing.
 */
public final class IndexSelectKernel extends Kernel implements RangeKernel {
    private float[] values = new float[1];
    private float[] y = new float[1];
    private int[] indices = new int[1];
    private int length;
    private int count;
    private int inner;
    private int add;
    private int items;
    private int first;

    /** Sets {@code y[o, j, i] = x[o, indices[j], i]} as the next launches' work. */
    public void bindSelect(int outer, int length, int inner, float[] x, int[] indices,
            int count, float[] y) {
        set(0, outer * count * inner, length, count, inner, x, indices, y);
    }

    /** Sets {@code y[o, indices[j], i] += source[o, j, i]} as the next launches' work. */
    public void bindAdd(int outer, int length, int inner, float[] y, int[] indices, int count,
            float[] source) {
        set(1, outer * length * inner, length, count, inner, source, indices, y);
    }

    private void set(int add, int items, int length, int count, int inner, float[] values,
            int[] indices, float[] y) {
        this.add = add;
        this.items = items;
        this.length = length;
        this.count = count;
        this.inner = inner;
        this.values = values;
        this.indices = indices;
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
            if (add == 0) {
                int o = row / count;
                int j = row - o * count;
                int at = indices[j];
                float v = 0f;
                if (at >= 0 && at < length) {
                    v = values[(o * length + at) * inner + i];
                }
                y[id] = v;
            } else {
                int o = row / length;
                int t = row - o * length;
                int base = o * count * inner + i;
                float sum = y[id];
                for (int j = 0; j < count; j++) {
                    if (indices[j] == t) {
                        sum = sum + values[base + j * inner];
                    }
                }
                y[id] = sum;
            }
        }
    }
}
