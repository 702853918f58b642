package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * Copies between a range of positions along the middle axis of a larger
 * {@code [outer, length, inner]} array and a smaller {@code [outer, count, inner]} one, either
 * way: slice (read the range) or place (write it). One work item per element of the smaller
 * array.
 */
public final class SliceKernel extends Kernel implements RangeKernel {
    private float[] whole = new float[1];
    private float[] part = new float[1];
    private int wholeLength;
    private int count;
    private int inner;
    private int start;
    private int place;
    private int items;
    private int first;

    /**
     * Sets the next launches' work: {@code part[o, j, i]} is {@code whole[o, start + j, i]}, read
     * into {@code part} when slicing, written into {@code whole} when placing.
     */
    public void bind(boolean place, int outer, int wholeLength, int count, int inner,
            int start, float[] whole, float[] part) {
        this.place = place ? 1 : 0;
        this.wholeLength = wholeLength;
        this.count = count;
        this.inner = inner;
        this.start = start;
        this.items = outer * count * inner;
        this.whole = whole;
        this.part = part;
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
            int o = row / count;
            int j = row - o * count;
            int at = (o * wholeLength + start + j) * inner + i;
            if (place == 0) {
                part[id] = whole[at];
            } else {
                whole[at] = part[id];
            }
        }
    }
}
