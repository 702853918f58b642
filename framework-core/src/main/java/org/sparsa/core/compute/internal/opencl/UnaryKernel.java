package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

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
            if (backward == 0) {
                y[id] = forwardValue(x[id]);
            } else {
                dx[id] = backwardValue(x[id], y[id], dy[id]);
            }
        }
    }

    // Aparapi's decompiler takes plain if blocks better than else-if chains with nested
    // branches, hence one if per function and one method per branchy case.

    private float forwardValue(float v) {
        float result = 0f;
        if (function == EXP) {
            result = exp(v);
        }
        if (function == LOG) {
            result = log(v);
        }
        if (function == RELU) {
            result = relu(v);
        }
        if (function == SILU) {
            result = v * sigmoid(v);
        }
        if (function == SIGMOID) {
            result = sigmoid(v);
        }
        return result;
    }

    private float backwardValue(float v, float out, float g) {
        float result = 0f;
        if (function == EXP) {
            result = g * out;
        }
        if (function == LOG) {
            result = g / v;
        }
        if (function == RELU) {
            result = reluGradient(v, g);
        }
        if (function == SILU) {
            float s = sigmoid(v);
            result = g * (s * (1f + v * (1f - s)));
        }
        if (function == SIGMOID) {
            result = g * (out * (1f - out));
        }
        return result;
    }

    /** {@code max(v, 0)} as Java's {@code Math.max}: NaN stays NaN, -0 gives 0. */
    private float relu(float v) {
        float result = v;
        if (v <= 0f) {
            result = 0f;
        }
        return result;
    }

    private float reluGradient(float v, float g) {
        float result = 0f;
        if (v > 0f) {
            result = g;
        }
        return result;
    }

    private float sigmoid(float v) {
        return 1f / (1f + exp(-v));
    }
}
