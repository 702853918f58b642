package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/** {@code y = x * factor}, one work item per element. */
public final class ScaleKernel extends Kernel implements RangeKernel {
    private float[] x = new float[1];
    private float[] y = new float[1];
    private float factor;
    private int items;
    private int first;

    /** Sets the next launches' work. */
    public void bind(float[] x, float factor, float[] y) {
        this.x = x;
        this.factor = factor;
        this.y = y;
        this.items = x.length;
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            y[id] = x[id] * factor;
        }
    }
}
