package org.sparsa.core.attention;

/**
 * The exponential of a whole block of softmax scores at once, fast and the same on every JVM:
 * the attention kernels (full attention here, and plugins' fused kernels) call it where
 * {@code Math.exp}, a call per element the JIT cannot vectorise, would be most of their time.
 */
public final class VectorExp {

    private VectorExp() {
    }

    /** log2(e), and ln 2 split as in Cody and Waite: its leading bits, then the rest. */
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    private static final float ROUNDER = 12582912f;
    /**
     * Arguments are clamped to [{@value}, 88]: e^-87.33654 is about 2^-126, the least normal
     * float, and 2^n stays a normal float over the whole range.
     */
    private static final float EXP_FLOOR = -87.33654f;
    private static final float EXP_CEILING = 88f;

    /**
     * {@code x[i] = e^(x[i] - shift)} for {@code from <= i < to}, within one unit in the last
     * place of the exact value: Cephes' single-precision exp, {@code x = n ln 2 + r} with
     * {@code |r| <= ln 2 / 2}, a degree-6 polynomial for {@code e^r}, and {@code 2^n} put
     * straight into the exponent bits. Arguments below {@code -87.3} give about {@code 2^-126}
     * instead of a smaller number; that is noise below float rounding next to the softmax's largest
     * term, which is 1.
     *
     * <p>The work is in three short loops rather than one so that each is small enough for the
     * JIT to unroll and vectorise; {@code Math.exp} is a call per element and costs several times
     * more. Every step is plain float arithmetic, so the result is the same on every JVM and
     * whether or not a loop is vectorised.
     *
     * @param scratch at least {@code to} floats, overwritten
     */
    public static void exp(float[] x, int from, int to, float shift, float[] scratch) {
        for (int i = from; i < to; i++) {
            float y = Math.min(Math.max(x[i] - shift, EXP_FLOOR), EXP_CEILING);
            float n = y * LOG2E + ROUNDER;
            scratch[i] = n;
            n -= ROUNDER;
            x[i] = y - n * LN2_HIGH - n * LN2_LOW;
        }
        expReduced(x, from, to, scratch);
    }

    /** As {@link #exp(float[], int, int, float, float[])} with one shift per element. */
    public static void exp(float[] x, int from, int to, float[] shift, float[] scratch) {
        for (int i = from; i < to; i++) {
            float y = Math.min(Math.max(x[i] - shift[i], EXP_FLOOR), EXP_CEILING);
            float n = y * LOG2E + ROUNDER;
            scratch[i] = n;
            n -= ROUNDER;
            x[i] = y - n * LN2_HIGH - n * LN2_LOW;
        }
        expReduced(x, from, to, scratch);
    }

    /**
     * {@code x[i] = e^x[i] * 2^n} for a reduced argument {@code x[i]}, given
     * {@code shiftedN[i] = n + 1.5 * 2^23}.
     */
    private static void expReduced(float[] x, int from, int to, float[] shiftedN) {
        for (int i = from; i < to; i++) {
            float r = x[i];
            float e = 1.9875691500e-4f;
            e = e * r + 1.3981999507e-3f;
            e = e * r + 8.3334519073e-3f;
            e = e * r + 4.1665795894e-2f;
            e = e * r + 1.6666665459e-1f;
            e = e * r + 5.0000001201e-1f;
            x[i] = e * r * r + r + 1f;
        }
        for (int i = from; i < to; i++) {
            // The low bits of n + 1.5 * 2^23 hold n; n + 127 shifted into place is 2^n.
            x[i] *= Float.intBitsToFloat((Float.floatToRawIntBits(shiftedN[i]) + 127) << 23);
        }
    }
}
