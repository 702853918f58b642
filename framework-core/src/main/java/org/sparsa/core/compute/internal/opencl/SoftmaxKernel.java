package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * Softmax and log-softmax along the middle axis of {@code [outer, length, inner]}, and their
 * backward: one work item per row {@code (o, i)}, which walks {@code j} in ascending order for
 * the maximum, for the sum and for the outputs.
 */
public final class SoftmaxKernel extends Kernel implements RangeKernel {
    private float[] x = new float[1];
    private float[] y = new float[1];
    private float[] dy = new float[1];
    private float[] dx = new float[1];
    private int length;
    private int inner;
    private int logSoftmax;
    private int backward;
    private int items;
    private int first;

    /** Sets the softmax (or log-softmax) of {@code x} into {@code y} as the next work. */
    public void bindForward(int outer, int length, int inner, float[] x, float[] y,
            boolean log) {
        set(outer, length, inner, log, 0);
        this.x = x;
        this.y = y;
    }

    /** Sets the input gradient from output {@code y} and its gradient {@code dy}. */
    public void bindBackward(int outer, int length, int inner, float[] y, float[] dy,
            float[] dx, boolean log) {
        set(outer, length, inner, log, 1);
        this.y = y;
        this.dy = dy;
        this.dx = dx;
    }

    private void set(int outer, int length, int inner, boolean log, int backward) {
        this.length = length;
        this.inner = inner;
        this.items = outer * inner;
        this.logSoftmax = log ? 1 : 0;
        this.backward = backward;
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            int o = id / inner;
            int i = id - o * inner;
            int base = o * length * inner + i;
            if (backward == 0) {
                forwardRow(base);
            } else {
                backwardRow(base);
            }
        }
    }

    private void forwardRow(int base) {
        float max = x[base];
        for (int j = 1; j < length; j++) {
            float v = x[base + j * inner];
            if (v > max) {
                max = v;
            }
        }
        float sum = 0f;
        for (int j = 0; j < length; j++) {
            sum = sum + exp(x[base + j * inner] - max);
        }
        if (logSoftmax == 0) {
            for (int j = 0; j < length; j++) {
                y[base + j * inner] = exp(x[base + j * inner] - max) / sum;
            }
        } else {
            float logSum = log(sum);
            for (int j = 0; j < length; j++) {
                y[base + j * inner] = x[base + j * inner] - max - logSum;
            }
        }
    }

    private void backwardRow(int base) {
        float sum = 0f;
        if (logSoftmax == 0) {
            for (int j = 0; j < length; j++) {
                sum = sum + dy[base + j * inner] * y[base + j * inner];
            }
            for (int j = 0; j < length; j++) {
                int at = base + j * inner;
                dx[at] = y[at] * (dy[at] - sum);
            }
        } else {
            for (int j = 0; j < length; j++) {
                sum = sum + dy[base + j * inner];
            }
            for (int j = 0; j < length; j++) {
                int at = base + j * inner;
                dx[at] = dy[at] - exp(y[at]) * sum;
            }
        }
    }
}
