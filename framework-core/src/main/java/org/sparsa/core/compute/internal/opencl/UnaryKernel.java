package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;

/**
 * Element-wise functions and their backward, one work item per element. The function is an
 * int ({@link #EXP} ..) so that {@code run()} stays free of objects.
 */
public final class UnaryKernel extends Kernel implements RangeKernel {
    /** {@code e^x}. */
    public static final int EXP = 0;
    /** {@code ln x}. */
    public static final int LOG = 1;
    /** {@code max(x, 0)}. */
    public static final int RELU = 2;
    /** {@code x * sigmoid(x)}. */
    public static final int SILU = 3;
    /** {@code 1 / (1 + e^-x)}. */
    public static final int SIGMOID = 4;

    private float[] x = new float[1];
    private float[] y = new float[1];
    private float[] dy = new float[1];
    private float[] dx = new float[1];
    private int function;
    private int backward;
    private int items;
    private int first;

    /** Sets {@code y = f(x)} as the next launches' work. */
    public void bindForward(int function, float[] x, float[] y) {
        this.function = function;
        this.backward = 0;
        this.items = x.length;
        this.x = x;
        this.y = y;
    }

    /** Sets {@code dx = dy * f'(x)}, with {@code y = f(x)}, as the next launches' work. */
    public void bindBackward(int function, float[] x, float[] y, float[] dy, float[] dx) {
        this.function = function;
        this.backward = 1;
        this.items = x.length;
        this.x = x;
        this.y = y;
        this.dy = dy;
        this.dx = dx;
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            float v = x[id];
            if (backward == 0) {
                float result = 0f;
                if (function == EXP) {
                    result = exp(v);
                } else if (function == LOG) {
                    result = log(v);
                } else if (function == RELU) {
                    if (v > 0f) {
                        result = v;
                    }
                } else if (function == SILU) {
                    result = v * sigmoid(v);
                } else {
                    result = sigmoid(v);
                }
                y[id] = result;
            } else {
                float g = dy[id];
                float result = 0f;
                if (function == EXP) {
                    result = g * y[id];
                } else if (function == LOG) {
                    result = g / v;
                } else if (function == RELU) {
                    if (v > 0f) {
                        result = g;
                    }
                } else if (function == SILU) {
                    float s = sigmoid(v);
                    result = g * (s * (1f + v * (1f - s)));
                } else {
                    float s = y[id];
                    result = g * (s * (1f - s));
                }
                dx[id] = result;
            }
        }
    }

    private float sigmoid(float v) {
        return 1f / (1f + exp(-v));
    }
}
