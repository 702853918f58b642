package org.sparsa.core.compute.internal;

import java.util.Arrays;
import org.sparsa.core.compute.MatmulShape;

/**
 * Single-precision batched matrix products {@code c[i] = op(a[i]) x op(b[i])}.
 *
 * <p><b>Results.</b> Every element of {@code c} is {@code ((0 + a0 b0) + a1 b1) + ...}: products
 * and sums rounded to float one at a time, in ascending {@code k}, with no fused multiply-add.
 * That is exactly what the plain {@code i-k-j} triple loop computes, so the blocked path, the
 * small-size loop and any split over threads all give the same bits. Work is split only over
 * blocks of rows and columns of {@code c}, never over {@code k}.
 *
 * <p><b>Speed.</b> op(b) is packed into column panels of {@link #NC} floats, one array per row
 * {@code p}, and each parallel item owns a block of {@link #MC} rows by one panel of columns,
 * accumulated in a row-per-array tile. For each {@link #KC}-deep slice of the panel (which
 * stays in the L2 cache), the micro-kernel updates two rows of the tile from four rows of the
 * panel: {@code c0[j] = c0[j] + a00 b0[j] + a01 b1[j] + a02 b2[j] + a03 b3[j]} and likewise for
 * {@code c1}, with the eight {@code a} values broadcast. Each of these arrays is indexed by the
 * bare loop variable: HotSpot C2 on Java 17 vectorises such loops (AVX2: eight floats per
 * instruction) but not loops whose arrays are offset by different loop invariants, and not
 * loop bodies much larger than this one, which is why the data is laid out as separate rows and
 * the kernel is two rows by four {@code k}. Reading each tile row once per four {@code k}
 * keeps loads and stores below the multiply and add throughput.
 */
final class Gemm {
    /** Columns per packed panel and tile: a tile row is 1 KiB, two of them sit in L1. */
    static final int NC = 256;
    /** Depth of a panel slice: 128 rows of 256 floats, 128 KiB, stay in L2 across the tile. */
    static final int KC = 128;
    /** Rows of c per parallel item (even, so rows pair up). */
    static final int MC = 64;
    /** Products of at most this many multiply-adds take the plain loop. */
    static final long SMALL = 1L << 14;
    /** Packed floats of op(b) held at once; batch entries are packed this many at a time. */
    private static final long PACKED_LIMIT = 1L << 22;

    private Gemm() {
    }

    static void multiply(Parallel parallel, MatmulShape shape, float[] a, float[] b, float[] c) {
        int batch = shape.batch();
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        long cSize = (long) batch * m * n;
        if (c.length < cSize) {
            throw new IllegalArgumentException("matmul: c has " + c.length + " values, needs "
                    + cSize);
        }
        if (cSize == 0) {
            return;
        }
        if (k == 0) {
            Arrays.fill(c, 0, (int) cSize, 0f);
            return;
        }
        if ((long) m * n * k <= SMALL) {
            parallel.forRange(batch, (long) m * n * k, (from, to) -> {
                for (int i = from; i < to; i++) {
                    plain(shape, a, i * shape.aBatchStride(), b, i * shape.bBatchStride(), c,
                            i * m * n);
                }
            });
            return;
        }
        int panels = (n + NC - 1) / NC;
        int rowBlocks = (m + MC - 1) / MC;
        boolean sharedB = shape.bBatchStride() == 0;
        int group = sharedB ? batch : (int) Math.max(1, Math.min(batch, PACKED_LIMIT / k / n));
        float[][][] sharedPanels = sharedB ? pack(parallel, shape, b, 0) : null;
        for (int first = 0; first < batch; first += group) {
            int count = Math.min(group, batch - first);
            float[][][][] packed = new float[count][][][];
            for (int g = 0; g < count; g++) {
                packed[g] = sharedB ? sharedPanels
                        : pack(parallel, shape, b, (first + g) * shape.bBatchStride());
            }
            int base = first;
            int itemsPerEntry = panels * rowBlocks;
            long work = (long) Math.min(MC, m) * Math.min(NC, n) * k;
            parallel.forRange(count * itemsPerEntry, work, (from, to) -> {
                float[][] tile = new float[MC][NC];
                for (int item = from; item < to; item++) {
                    int g = item / itemsPerEntry;
                    int rest = item % itemsPerEntry;
                    // Consecutive items share a panel, which then stays in the caches.
                    int panel = rest / rowBlocks;
                    int rowBlock = rest % rowBlocks;
                    int entry = base + g;
                    block(shape, a, entry * shape.aBatchStride(), packed[g][panel], panel * NC,
                            rowBlock * MC, c, entry * m * n, tile);
                }
            });
        }
    }

    /**
     * op(b) at {@code offset} as panels: {@code result[panel][p]} holds row {@code p}, columns
     * {@code panel * NC ..} (up to {@link #NC} of them).
     */
    private static float[][][] pack(Parallel parallel, MatmulShape shape, float[] b,
            int offset) {
        int n = shape.n();
        int k = shape.k();
        int panels = (n + NC - 1) / NC;
        float[][][] packed = new float[panels][k][];
        int slices = (k + KC - 1) / KC;
        parallel.forRange(panels * slices, (long) KC * NC, (from, to) -> {
            for (int item = from; item < to; item++) {
                int panel = item / slices;
                int p0 = (item % slices) * KC;
                int p1 = Math.min(k, p0 + KC);
                int j0 = panel * NC;
                int width = Math.min(NC, n - j0);
                float[][] rows = packed[panel];
                if (!shape.transposeB()) {
                    for (int p = p0; p < p1; p++) {
                        int from0 = offset + p * n + j0;
                        rows[p] = Arrays.copyOfRange(b, from0, from0 + width);
                    }
                } else {
                    // b is stored [n, k]: walk it row by row, scattering into the panel rows.
                    for (int p = p0; p < p1; p++) {
                        rows[p] = new float[width];
                    }
                    for (int j = 0; j < width; j++) {
                        int from0 = offset + (j0 + j) * k;
                        for (int p = p0; p < p1; p++) {
                            rows[p][j] = b[from0 + p];
                        }
                    }
                }
            }
        });
        return packed;
    }

    /**
     * Rows {@code [r0, r0 + MC)} (clipped to m) of one product, columns of one panel of op(b)
     * starting at column {@code j0}.
     */
    private static void block(MatmulShape shape, float[] a, int aOffset, float[][] panel, int j0,
            int r0, float[] c, int cOffset, float[][] tile) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        int r1 = Math.min(m, r0 + MC);
        int rows = r1 - r0;
        int width = panel[0].length;
        // Strides of op(a) by row and by k: a is [m, k], or [k, m] when transposed.
        int rowStride = shape.transposeA() ? 1 : k;
        int kStride = shape.transposeA() ? m : 1;
        for (int r = 0; r < rows; r++) {
            Arrays.fill(tile[r], 0, width, 0f);
        }
        for (int p0 = 0; p0 < k; p0 += KC) {
            int p1 = Math.min(k, p0 + KC);
            // Four at a time, except for the last k % 4 of the whole product.
            int p4 = p1 == k ? p0 + ((p1 - p0) & ~3) : p1;
            int r = 0;
            for (; r + 2 <= rows; r += 2) {
                float[] c0 = tile[r];
                float[] c1 = tile[r + 1];
                int a0 = aOffset + (r0 + r) * rowStride;
                int a1 = a0 + rowStride;
                for (int p = p0; p < p4; p += 4) {
                    int q0 = p * kStride;
                    int q1 = q0 + kStride;
                    int q2 = q1 + kStride;
                    int q3 = q2 + kStride;
                    kernel2x4(c0, c1, panel[p], panel[p + 1], panel[p + 2], panel[p + 3], width,
                            a[a0 + q0], a[a0 + q1], a[a0 + q2], a[a0 + q3],
                            a[a1 + q0], a[a1 + q1], a[a1 + q2], a[a1 + q3]);
                }
                for (int p = p4; p < p1; p++) {
                    kernel2x1(c0, c1, panel[p], width, a[a0 + p * kStride],
                            a[a1 + p * kStride]);
                }
            }
            if (r < rows) {
                float[] c0 = tile[r];
                int a0 = aOffset + (r0 + r) * rowStride;
                for (int p = p0; p < p4; p += 4) {
                    int q0 = p * kStride;
                    kernel1x4(c0, panel[p], panel[p + 1], panel[p + 2], panel[p + 3], width,
                            a[a0 + q0], a[a0 + q0 + kStride], a[a0 + q0 + 2 * kStride],
                            a[a0 + q0 + 3 * kStride]);
                }
                for (int p = p4; p < p1; p++) {
                    kernel1x1(c0, panel[p], width, a[a0 + p * kStride]);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(tile[r], 0, c, cOffset + (r0 + r) * n + j0, width);
        }
    }

    /** Two tile rows from four panel rows; the body C2 vectorises. */
    private static void kernel2x4(float[] c0, float[] c1, float[] b0, float[] b1, float[] b2,
            float[] b3, int width, float a00, float a01, float a02, float a03, float a10,
            float a11, float a12, float a13) {
        for (int j = 0; j < width; j++) {
            float x0 = b0[j];
            float x1 = b1[j];
            float x2 = b2[j];
            float x3 = b3[j];
            float y0 = c0[j] + a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
            float y1 = c1[j] + a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
            c0[j] = y0;
            c1[j] = y1;
        }
    }

    private static void kernel2x1(float[] c0, float[] c1, float[] b0, int width, float a0,
            float a1) {
        for (int j = 0; j < width; j++) {
            float x = b0[j];
            float y0 = c0[j] + a0 * x;
            float y1 = c1[j] + a1 * x;
            c0[j] = y0;
            c1[j] = y1;
        }
    }

    private static void kernel1x4(float[] c0, float[] b0, float[] b1, float[] b2, float[] b3,
            int width, float a0, float a1, float a2, float a3) {
        for (int j = 0; j < width; j++) {
            c0[j] = c0[j] + a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
        }
    }

    private static void kernel1x1(float[] c0, float[] b0, int width, float a0) {
        for (int j = 0; j < width; j++) {
            c0[j] = c0[j] + a0 * b0[j];
        }
    }

    /** One product by the plain {@code i-k-j} loop: what every path computes, bit for bit. */
    static void plain(MatmulShape shape, float[] a, int aOffset, float[] b, int bOffset,
            float[] c, int cOffset) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        for (int i = 0; i < m; i++) {
            int row = cOffset + i * n;
            Arrays.fill(c, row, row + n, 0f);
            for (int p = 0; p < k; p++) {
                float v = shape.transposeA() ? a[aOffset + p * m + i] : a[aOffset + i * k + p];
                for (int j = 0; j < n; j++) {
                    float w = shape.transposeB() ? b[bOffset + j * k + p] : b[bOffset + p * n + j];
                    c[row + j] += v * w;
                }
            }
        }
    }
}
