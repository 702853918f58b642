package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * NeoX rotate-half rotary embedding on {@code x [outer, time, inner, dim]}, one work item per
 * element. The host supplies the cosines and sines of every angle as {@code [time, rotary/2]}
 * tables (computed in double and rounded once), with the angles negated for the inverse turn,
 * so the kernel only multiplies and adds: for {@code d < rotary/2},
 * {@code y_d = x_d cos - x_{d + rotary/2} sin}; for {@code rotary/2 <= d < rotary},
 * {@code y_d = x_d cos + x_{d - rotary/2} sin} with the angle of {@code d - rotary/2}; past
 * {@code rotary}, {@code y_d = x_d}.
 */
public final class RopeKernel extends Kernel implements RangeKernel {
    private float[] x = new float[1];
    private float[] y = new float[1];
    private float[] cosines = new float[1];
    private float[] sines = new float[1];
    private int time;
    private int inner;
    private int dim;
    private int rotary;
    // Not "half": that is an OpenCL type name, and fields keep their names in the generated code.
    private int halfRotary;
    private int items;
    private int first;

    /** Sets the next launches' work. */
    public void bind(int outer, int time, int inner, int dim, int rotary, float[] x,
            float[] cosines, float[] sines, float[] y) {
        this.time = time;
        this.inner = inner;
        this.dim = dim;
        this.rotary = rotary;
        this.halfRotary = rotary / 2;
        this.items = outer * time * inner * dim;
        this.x = x;
        this.cosines = cosines;
        this.sines = sines;
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
            int row = id / dim;
            int d = id - row * dim;
            int t = (row / inner) % time;
            float result = x[id];
            if (d < halfRotary) {
                int angle = t * halfRotary + d;
                result = x[id] * cosines[angle] - x[id + halfRotary] * sines[angle];
            } else if (d < rotary) {
                int angle = t * halfRotary + d - halfRotary;
                result = x[id] * cosines[angle] + x[id - halfRotary] * sines[angle];
            }
            y[id] = result;
        }
    }
}
