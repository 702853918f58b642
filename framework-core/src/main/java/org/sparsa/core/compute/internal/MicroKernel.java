package org.sparsa.core.compute.internal;

import java.util.Arrays;
import org.slf4j.LoggerFactory;

/**
 * The innermost step of {@link Gemm}: a tile of {@link #ROWS} rows by {@link #COLUMNS} columns of
 * {@code c} takes {@code depth} rank-one updates from packed slices of op(a) and op(b),
 * {@code t[i][j] = fma(a[p][i], b[p][j], t[i][j])} for {@code p} ascending.
 *
 * <p>Two implementations give the same bits, because a fused multiply-add rounds once whatever
 * computes it: {@link VectorMicroKernel} keeps the tile in vector registers (the incubating
 * Vector API), {@link #scalar} is the same arithmetic in plain loops, used where that API is not
 * available.
 */
final class MicroKernel {
    /** Rows of the tile: six rows of two vectors keep twelve accumulators in registers. */
    static final int ROWS = 6;
    /** Columns of the tile: two vectors of eight floats. */
    static final int COLUMNS = 16;
    /**
     * Whether {@link #update} runs {@link VectorMicroKernel}: the Vector API is there and has
     * eight-float vectors. Kept here, not there, because loading that class needs the API.
     */
    static final boolean VECTOR = VectorSupport.floatLanes() >= 8;

    static {
        if (!VECTOR) {
            // C2 does not vectorise the scalar loop's fused multiply-adds: about 20 times slower.
            LoggerFactory.getLogger(MicroKernel.class).warn("Matrix products run without the "
                    + "Vector API, about 20 times slower; start the JVM with --add-modules "
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
    static void update(float[] a, int ao, float[] b, int bo, int depth, float[] tile, int t,
            int stride, boolean fromZero) {
        if (VECTOR) {
            VectorMicroKernel.update(a, ao, b, bo, depth, tile, t, stride, fromZero);
        } else {
            scalar(a, ao, b, bo, depth, tile, t, stride, fromZero);
        }
    }

    /** The reference: what {@link VectorMicroKernel} computes, one element at a time. */
    static void scalar(float[] a, int ao, float[] b, int bo, int depth, float[] tile, int t,
            int stride, boolean fromZero) {
        for (int i = 0; i < ROWS; i++) {
            int row = t + i * stride;
            if (fromZero) {
                Arrays.fill(tile, row, row + COLUMNS, 0f);
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
