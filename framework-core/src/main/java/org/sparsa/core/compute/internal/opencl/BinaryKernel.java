package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * {@code out = f(a, b)} element-wise with broadcasting, one work item per output element. The
 * output shape and each input's strides come as int arrays of {@link #MAX_RANK} entries, the
 * first {@code rank} used; a broadcast axis has stride 0. Each item splits its flat index into
 * coordinates from the last axis to the first and dots them with the strides.
 */
public final class BinaryKernel extends Kernel implements RangeKernel {
    /** The most axes a launch may have (after the host has merged what it can). */
    public static final int MAX_RANK = 8;
    public static final int ADD = 0;
    public static final int SUB = 1;
    public static final int MUL = 2;
    public static final int DIV = 3;

    private float[] a = new float[1];
    private float[] b = new float[1];
    private float[] out = new float[1];
    private int[] shape = new int[MAX_RANK];
    private int[] aStrides = new int[MAX_RANK];
    private int[] bStrides = new int[MAX_RANK];
    private int rank;
    private int function;
    private int items;
    private int first;

    /**
     * Sets the next launches' work. {@code shape}, {@code aStrides} and {@code bStrides} have
     * {@link #MAX_RANK} entries.
     */
    public void bind(int function, float[] a, int[] aStrides, float[] b, int[] bStrides,
            float[] out, int[] shape, int rank, int items) {
        this.function = function;
        this.a = a;
        this.aStrides = aStrides;
        this.b = b;
        this.bStrides = bStrides;
        this.out = out;
        this.shape = shape;
        this.rank = rank;
        this.items = items;
    }

    /** The int arrays to put before a launch. */
    public int[][] shapes() {
        return new int[][] {shape, aStrides, bStrides};
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
            int ai = 0;
            int bi = 0;
            for (int d = rank - 1; d >= 0; d--) {
                int size = shape[d];
                int next = rest / size;
                int coordinate = rest - next * size;
                ai = ai + coordinate * aStrides[d];
                bi = bi + coordinate * bStrides[d];
                rest = next;
            }
            float u = a[ai];
            float v = b[bi];
            float result = 0f;
            if (function == ADD) {
                result = u + v;
            } else if (function == SUB) {
                result = u - v;
            } else if (function == MUL) {
                result = u * v;
            } else {
                result = u / v;
            }
            out[id] = result;
        }
    }
}
