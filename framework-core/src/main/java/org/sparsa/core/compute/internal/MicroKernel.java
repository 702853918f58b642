package org.sparsa.core.compute.internal;

import java.util.Arrays;
import org.slf4j.LoggerFactory;

/**
 * The innermost step of {@link Gemm} (and of the attention forward's score and output
 * products): a tile of {@link #ROWS} rows by {@link #COLUMNS} columns of
 * {@code c} takes {@code depth} rank-one updates from packed slices of op(a) and op(b),
 * {@code t[i][j] = fma(a[p][i], b[p][j], t[i][j])} for {@code p} ascending.
 *
 * <p>Two implementations give the same bits, because a fused multiply-add rounds once whatever
 * computes it: {@link VectorMicroKernel} keeps the tile in vector registers (the incubating
 * Vector API), {@link #scalar} is the same arithmetic in plain loops, used where that API is not
 * available.
 */
public final class MicroKernel {
    /** Rows of the tile: six rows of two vectors keep twelve accumulators in registers. */
    public static final int ROWS = 6;
    /** Columns of the tile: two vectors of eight floats. */
    public static final int COLUMNS = 16;
    /**
     * Whether {@link #update} runs {@link VectorMicroKernel}: the Vector API is there and has
     * eight-float vectors. Kept here, not there, because loading that class needs the API.
     */
    static final boolean VECTOR = VectorSupport.floatLanes() >= 8;

    static {
        if (!VECTOR) {
            // C2 does not vectorise the scalar loop's fused multiply-adds: products about 20
            // times slower, full attention (T = 2048) 14 to 22 times.
            LoggerFactory.getLogger(MicroKernel.class).warn("Matrix products and full "
                    + "attention run without the Vector API, 10 to 20 times slower; start the "
                    + "JVM with --add-modules "
                    + "jdk.incubator.vector (bin/sparsa does) on a machine with 256-bit vectors");
        }
    }

    private MicroKernel() {
    }

    /**
     * Updates the tile at {@code tile[t..]} (rows {@code stride} apart) from {@code a[ao..]},
     * {@link #ROWS} values per step, and {@code b[bo..]}, {@link #COLUMNS} values per step; a tile
     * that starts from zero is not read.
     */
    public static void update(float[] a, int ao, float[] b, int bo, int depth, float[] tile,
            int t, int stride, boolean fromZero) {
        if (VECTOR) {
            VectorMicroKernel.update(a, ao, b, bo, depth, tile, t, stride, fromZero, null, 0);
        } else {
            scalar(a, ao, b, bo, depth, tile, t, stride, fromZero, null, 0);
        }
    }

    /**
     * {@link #update} of a tile that is first multiplied, column by column, by
     * {@code columnScale[so..]} ({@link #COLUMNS} values): the online softmax's rescaling of
     * earlier terms, folded into the load of the tile.
     */
    public static void scaleAndUpdate(float[] a, int ao, float[] b, int bo, int depth,
            float[] tile, int t, int stride, float[] columnScale, int so) {
        if (VECTOR) {
            VectorMicroKernel.update(a, ao, b, bo, depth, tile, t, stride, false, columnScale,
                    so);
        } else {
            scalar(a, ao, b, bo, depth, tile, t, stride, false, columnScale, so);
        }
    }

    /** The reference: what {@link VectorMicroKernel} computes, one element at a time. */
    static void scalar(float[] a, int ao, float[] b, int bo, int depth, float[] tile, int t,
            int stride, boolean fromZero, float[] columnScale, int so) {
        for (int i = 0; i < ROWS; i++) {
            int row = t + i * stride;
            if (fromZero) {
                Arrays.fill(tile, row, row + COLUMNS, 0f);
            } else if (columnScale != null) {
                for (int j = 0; j < COLUMNS; j++) {
                    tile[row + j] *= columnScale[so + j];
                }
            }
            for (int p = 0; p < depth; p++) {
                float x = a[ao + p * ROWS + i];
                int bp = bo + p * COLUMNS;
                for (int j = 0; j < COLUMNS; j++) {
                    tile[row + j] = Math.fma(x, b[bp + j], tile[row + j]);
                }
            }
        }
    }
}
