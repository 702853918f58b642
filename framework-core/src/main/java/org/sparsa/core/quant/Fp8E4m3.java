package org.sparsa.core.quant;

/**
 * Simulated FP8 e4m3 (the format DeepSeek-V3.2's indexer uses), as {@code specs/attention.md}
 * defines it: 4 exponent bits with bias 7, 3 mantissa bits, largest value 448, subnormals down
 * to 2^-9, round half to even. Values are quantised per row and per group of columns with a
 * scale {@code max(amax, 1e-4) / 448} (rounded up to a power of two when asked), then
 * dequantised: {@code y = round_e4m3(clamp(x / scale, -448, 448)) * scale}.
 *
 * <p>Arithmetic is done in double and rounded to float once at the end, so the only float32
 * rounding is that of the result. A NaN input makes its whole group NaN.
 */
public final class Fp8E4m3 {
    /** The largest finite e4m3 value. */
    public static final double MAX = 448.0;
    /** The smallest scale, which keeps all-zero groups finite. */
    public static final double MIN_AMAX = 1e-4;

    private static final double MIN_NORMAL = 0x1p-6;
    private static final double SUBNORMAL_STEP = 0x1p-9;
    private static final int MANTISSA_BITS = 3;

    private Fp8E4m3() {
    }

    /**
     * The e4m3 value nearest to {@code v}, ties to even; {@code |v|} must not exceed
     * {@link #MAX} (clamp first).
     */
    public static double round(double v) {
        double magnitude = Math.abs(v);
        double step = magnitude < MIN_NORMAL
                ? SUBNORMAL_STEP
                : Math.scalb(1.0, Math.getExponent(magnitude) - MANTISSA_BITS);
        // Math.rint rounds half to even; dividing and multiplying by a power of two is exact.
        return Math.copySign(Math.rint(magnitude / step) * step, v);
    }

    /**
     * The scale of a group whose largest magnitude is {@code amax}.
     *
     * @param powerOfTwo round the scale up to a power of two (exact rescaling)
     */
    public static double scale(double amax, boolean powerOfTwo) {
        double scale = Math.max(amax, MIN_AMAX) / MAX;
        if (!powerOfTwo) {
            return scale;
        }
        double power = Math.scalb(1.0, Math.getExponent(scale));
        return power < scale ? power * 2 : power;
    }

    /**
     * Quantises and dequantises a row-major {@code [rows, columns]} matrix.
     *
     * @param x the input, {@code rows * columns} values
     * @param group columns per scale; must divide {@code columns}
     * @param powerOfTwo round scales up to powers of two
     * @param y receives the dequantised values, like {@code x}
     * @param scales receives the scales, row-major {@code [rows, columns / group]}
     * @throws IllegalArgumentException when the sizes do not fit together
     */
    public static void quantizeDequantize(float[] x, int rows, int columns, int group,
            boolean powerOfTwo, float[] y, float[] scales) {
        if (group <= 0 || columns % group != 0) {
            throw new IllegalArgumentException("fp8 e4m3: group " + group
                    + " must be positive and divide the " + columns + " columns");
        }
        int groups = columns / group;
        if (x.length != rows * columns || y.length != x.length || scales.length != rows * groups) {
            throw new IllegalArgumentException("fp8 e4m3: expected x and y of " + rows * columns
                    + " values and " + rows * groups + " scales, got " + x.length + ", "
                    + y.length + " and " + scales.length);
        }
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                int from = r * columns + g * group;
                double amax = 0;
                for (int i = from; i < from + group; i++) {
                    amax = Math.max(amax, Math.abs(x[i]));
                }
                double scale = scale(amax, powerOfTwo);
                scales[r * groups + g] = (float) scale;
                for (int i = from; i < from + group; i++) {
                    double clamped = Math.max(-MAX, Math.min(MAX, x[i] / scale));
                    y[i] = (float) (round(clamped) * scale);
                }
            }
        }
    }
}
