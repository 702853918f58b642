package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * Simulated FP8 e4m3 quantise-dequantise, one work item per (row, group of columns), with the
 * arithmetic of {@link org.sparsa.core.quant.Fp8E4m3}: in double, rounded to float once at the
 * end, so results match it exactly. The scale is {@code max(amax, 1e-4) / 448}, rounded up to a
 * power of two when asked; each value is clamped to ±448 after division by the scale, rounded
 * to the nearest e4m3 value (ties to even: {@code rint}; the step is {@code 2^-9} below
 * {@code 2^-6}, else {@code 2^(e - 3)} for a magnitude in {@code [2^e, 2^(e+1))}) and
 * multiplied back. A NaN makes its whole group NaN; the comparisons are written so that NaN
 * passes through them, which OpenCL's {@code fmax} and {@code fmin} would not do.
 *
 * <p>Needs double precision on the device ({@code cl_khr_fp64}).
 */
public final class Fp8Kernel extends Kernel implements RangeKernel {
    private static final double MAX = 448.0;
    private static final double MIN_AMAX = 1e-4;
    private static final double MIN_NORMAL = 0.015625;
    private static final double SUBNORMAL_STEP = 0.001953125;

    private float[] x = new float[1];
    private float[] y = new float[1];
    private float[] scales = new float[1];
    private int columns;
    private int group;
    private int groups;
    private int powerOfTwo;
    private int items;
    private int first;

    /** Sets the next launches' work. */
    public void bind(int rows, int columns, int group, boolean powerOfTwo, float[] x, float[] y,
            float[] scales) {
        this.columns = columns;
        this.group = group;
        this.groups = columns / group;
        this.powerOfTwo = powerOfTwo ? 1 : 0;
        this.items = rows * groups;
        this.x = x;
        this.y = y;
        this.scales = scales;
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            int row = id / groups;
            int from = row * columns + (id - row * groups) * group;
            double amax = 0.0;
            for (int i = from; i < from + group; i++) {
                double magnitude = abs((double) x[i]);
                if (magnitude > amax || magnitude != magnitude) {
                    amax = magnitude;
                }
            }
            double scale = amax;
            if (scale < MIN_AMAX) {
                scale = MIN_AMAX;
            }
            scale = scale / MAX;
            if (powerOfTwo != 0) {
                scale = powerOfTwoAbove(scale);
            }
            scales[id] = (float) scale;
            for (int i = from; i < from + group; i++) {
                double v = x[i] / scale;
                if (v > MAX) {
                    v = MAX;
                }
                if (v < -MAX) {
                    v = -MAX;
                }
                y[i] = (float) (toE4m3(v) * scale);
            }
        }
    }

    /** The nearest e4m3 value to {@code v}, {@code |v| <= 448}, ties to even. */
    private double toE4m3(double v) {
        double magnitude = abs(v);
        double step = SUBNORMAL_STEP;
        if (magnitude >= MIN_NORMAL) {
            double power = 256.0;
            while (power > magnitude) {
                power = power * 0.5;
            }
            step = power * 0.125;
        }
        double rounded = rint(magnitude / step) * step;
        // The sign of v, -0 included (1 / -0 is negative).
        if (v < 0.0 || 1.0 / v < 0.0) {
            rounded = -rounded;
        }
        return rounded;
    }

    /**
     * The smallest power of two at or above {@code s}, as {@code Fp8E4m3.scale}: the power of
     * two of {@code s}'s exponent, doubled when below {@code s}; infinity stays infinity and
     * NaN gives infinity, as there.
     */
    private double powerOfTwoAbove(double s) {
        double big = 1e300;
        double result = big * big;
        if (s == s && s < result) {
            double power = 1.0;
            while (power > s) {
                power = power * 0.5;
            }
            while (power * 2.0 <= s) {
                power = power * 2.0;
            }
            result = power;
            if (power < s) {
                result = power * 2.0;
            }
        }
        return result;
    }
}
