package org.sparsa.core.compute.internal;

import java.util.Arrays;
import org.sparsa.core.compute.MatmulShape;

/**
 * Single-precision batched matrix products {@code c[i] = op(a[i]) x op(b[i])}.
 *
 * <p><b>Results.</b> Every element of {@code c} is {@code ((0 + a0 b0) + a1 b1) + ...}: each
 * product and each sum rounded to float in turn, in ascending {@code k}, with no fused
 * multiply-add. That is exactly what the plain {@code i-k-j} triple loop computes
 * ({@link #plain}), so the blocked path, the small-size path and any split over threads all give
 * the same bits. Work is split only over blocks of rows and columns of {@code c}, never over
 * {@code k}.
 *
 * <p><b>Speed.</b> op(b) is packed into column panels of up to {@link #NC} floats, one array per
 * row {@code p}, and each parallel item owns a block of up to {@link #MC} rows of c by one
 * panel, accumulated in a row-per-array tile. For each {@link #KC}-deep slice of the panel
 * (which stays in the L2 cache while every row of the tile passes over it), the micro-kernel
 * updates two tile rows from four panel rows,
 * {@code c0[j] = c0[j] + a00 b0[j] + a01 b1[j] + a02 b2[j] + a03 b3[j]} and likewise for
 * {@code c1}, the eight {@code a} values being broadcast; reading and writing each tile row once
 * per four {@code k} keeps loads and stores below the multiply and add throughput.
 *
 * <p>The kernel is shaped for HotSpot C2 on Java 17, whose auto-vectoriser (AVX2: eight floats an
 * instruction) is the only SIMD available without incubator modules. In our measurements it
 * vectorised a loop only when all the arrays in it were indexed alike (here by the bare loop
 * variable); arrays offset by different loop invariants kept the loop scalar, hence one array per
 * row. Of the shapes measured, two rows by four {@code k} with separate multiplies and adds is
 * the one it vectorised in every run: larger bodies stayed scalar, and fused multiply-add kernels
 * (three rows by four, 10 to 20 per cent faster when vectorised) were vectorised in some JIT
 * compilations and not in others, which made whole runs five times slower. Panels are wide so
 * that the scalar pre- and post-loops C2 wraps around each vectorised loop cost little.
 */
final class Gemm {
    /** Widest panel: a tile row is 4 KiB, so two rows and four panel rows sit in L1. */
    static final int NC = 1024;
    /** Depth of a panel slice: 48 rows of a full panel, 192 KiB, stay in L2. */
    static final int KC = 48;
    /** Most rows of c per parallel item: a full tile is 192 KiB. A multiple of {@link #MR}. */
    static final int MC = 48;
    /** Rows of c the micro-kernel updates at once. */
    static final int MR = 2;
    /** Products of at most this many multiply-adds take the plain loop. */
    static final long SMALL = 1L << 15;
    /**
     * Products with at most this many rows skip packing, which would cost as much as the
     * product itself: each row of op(b) is copied into a buffer just before use.
     */
    static final int NARROW = 4;
    /** Columns of c per parallel item of {@link #narrowByDots}. */
    static final int DOT_COLUMNS = 64;
    /** Parallel items wanted per product, so that uneven items still balance. */
    private static final int ITEMS = 16;
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
        if (m <= NARROW && shape.transposeB()) {
            narrowByDots(parallel, shape, a, b, c);
            return;
        }
        if (m <= NARROW) {
            narrow(parallel, shape, a, b, c);
            return;
        }
        // Panels of equal width (a multiple of 8 floats) rather than full ones and a sliver.
        int panels = (n + NC - 1) / NC;
        int panelWidth = Math.min(n, ((n + panels - 1) / panels + 7) & ~7);
        panels = (n + panelWidth - 1) / panelWidth;
        // Fewer rows per item when there would be too few items to share out.
        int wanted = Math.max(1, ITEMS / Math.max(1, batch * panels));
        int rowsPerItem = Math.min(MC, Math.max(MR, ((m + wanted - 1) / wanted + MR - 1)
                / MR * MR));
        int rowBlocks = (m + rowsPerItem - 1) / rowsPerItem;
        boolean sharedB = shape.bBatchStride() == 0;
        int group = sharedB ? batch : (int) Math.max(1, Math.min(batch, PACKED_LIMIT / k / n));
        float[][][] sharedPanels = sharedB ? pack(parallel, shape, b, 0, panelWidth) : null;
        int itemsPerEntry = panels * rowBlocks;
        long work = (long) Math.min(rowsPerItem, m) * panelWidth * k;
        for (int first = 0; first < batch; first += group) {
            int count = Math.min(group, batch - first);
            float[][][][] packed = new float[count][][][];
            for (int g = 0; g < count; g++) {
                packed[g] = sharedB ? sharedPanels
                        : pack(parallel, shape, b, (first + g) * shape.bBatchStride(),
                                panelWidth);
            }
            int base = first;
            parallel.forRange(count * itemsPerEntry, work, (from, to) -> {
                float[][] tile = new float[rowsPerItem][panelWidth];
                for (int item = from; item < to; item++) {
                    int g = item / itemsPerEntry;
                    int rest = item % itemsPerEntry;
                    // Consecutive items share a panel, which then stays in the caches.
                    int panel = rest / rowBlocks;
                    int r0 = (rest % rowBlocks) * rowsPerItem;
                    int entry = base + g;
                    block(shape, a, entry * shape.aBatchStride(), packed[g][panel],
                            panel * panelWidth, r0, Math.min(m, r0 + rowsPerItem), c,
                            entry * m * n, tile);
                }
            });
        }
    }

    /**
     * Products of a few rows by a transposed b, as a linear layer decoding one token computes
     * them: column j of op(b) is row j of b, so each result is a dot product of two contiguous
     * rows, summed in ascending {@code k} like every other path. Reading b along its columns
     * instead, as {@link #narrow} would, strides through memory and costs more than the
     * arithmetic. Items own chunks of {@link #DOT_COLUMNS} columns of one batch entry; four
     * columns at a time keep four independent sums in flight.
     */
    private static void narrowByDots(Parallel parallel, MatmulShape shape, float[] a, float[] b,
            float[] c) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        int perEntry = (n + DOT_COLUMNS - 1) / DOT_COLUMNS;
        parallel.forRange(shape.batch() * perEntry, (long) m * DOT_COLUMNS * k, (from, to) -> {
            float[] row = new float[k];
            for (int item = from; item < to; item++) {
                int entry = item / perEntry;
                int j0 = (item % perEntry) * DOT_COLUMNS;
                int j1 = Math.min(n, j0 + DOT_COLUMNS);
                int aOffset = entry * shape.aBatchStride();
                int bOffset = entry * shape.bBatchStride();
                for (int r = 0; r < m; r++) {
                    for (int p = 0; p < k; p++) {
                        row[p] = shape.transposeA() ? a[aOffset + p * m + r]
                                : a[aOffset + r * k + p];
                    }
                    int out = (entry * m + r) * n;
                    int j = j0;
                    for (; j + 4 <= j1; j += 4) {
                        int b0 = bOffset + j * k;
                        float s0 = 0f;
                        float s1 = 0f;
                        float s2 = 0f;
                        float s3 = 0f;
                        for (int p = 0; p < k; p++) {
                            float x = row[p];
                            s0 += x * b[b0 + p];
                            s1 += x * b[b0 + k + p];
                            s2 += x * b[b0 + 2 * k + p];
                            s3 += x * b[b0 + 3 * k + p];
                        }
                        c[out + j] = s0;
                        c[out + j + 1] = s1;
                        c[out + j + 2] = s2;
                        c[out + j + 3] = s3;
                    }
                    for (; j < j1; j++) {
                        int b0 = bOffset + j * k;
                        float s0 = 0f;
                        for (int p = 0; p < k; p++) {
                            s0 += row[p] * b[b0 + p];
                        }
                        c[out + j] = s0;
                    }
                }
            }
        });
    }

    /**
     * Products of a few rows: items own column chunks of one batch entry and walk {@code k},
     * copying each row of op(b) for the chunk into a buffer and adding it into every row.
     */
    private static void narrow(Parallel parallel, MatmulShape shape, float[] a, float[] b,
            float[] c) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        int chunks = (n + NC - 1) / NC;
        int width = Math.min(n, ((n + chunks - 1) / chunks + 7) & ~7);
        chunks = (n + width - 1) / width;
        int perEntry = chunks;
        parallel.forRange(shape.batch() * perEntry, (long) m * width * k, (from, to) -> {
            float[][] tile = new float[m][width];
            float[] row = new float[width];
            for (int item = from; item < to; item++) {
                int entry = item / perEntry;
                int j0 = (item % perEntry) * width;
                int w = Math.min(width, n - j0);
                int aOffset = entry * shape.aBatchStride();
                int bOffset = entry * shape.bBatchStride();
                for (int r = 0; r < m; r++) {
                    Arrays.fill(tile[r], 0f);
                }
                for (int p = 0; p < k; p++) {
                    if (shape.transposeB()) {
                        for (int j = 0; j < w; j++) {
                            row[j] = b[bOffset + (j0 + j) * k + p];
                        }
                    } else {
                        System.arraycopy(b, bOffset + p * n + j0, row, 0, w);
                    }
                    for (int r = 0; r < m; r++) {
                        float v = shape.transposeA() ? a[aOffset + p * m + r]
                                : a[aOffset + r * k + p];
                        kernel1x1(tile[r], row, w, v);
                    }
                }
                for (int r = 0; r < m; r++) {
                    System.arraycopy(tile[r], 0, c, (entry * m + r) * n + j0, w);
                }
            }
        });
    }

    /**
     * op(b) at {@code offset} as panels: {@code result[panel][p]} holds row {@code p}, columns
     * {@code panel * width ..} (up to {@code width} of them).
     */
    private static float[][][] pack(Parallel parallel, MatmulShape shape, float[] b, int offset,
            int width) {
        int n = shape.n();
        int k = shape.k();
        int panels = (n + width - 1) / width;
        float[][][] packed = new float[panels][k][];
        int slices = (k + KC - 1) / KC;
        parallel.forRange(panels * slices, (long) KC * width, (from, to) -> {
            for (int item = from; item < to; item++) {
                int panel = item / slices;
                int p0 = (item % slices) * KC;
                int p1 = Math.min(k, p0 + KC);
                int j0 = panel * width;
                int w = Math.min(width, n - j0);
                float[][] rows = packed[panel];
                if (!shape.transposeB()) {
                    for (int p = p0; p < p1; p++) {
                        int at = offset + p * n + j0;
                        rows[p] = Arrays.copyOfRange(b, at, at + w);
                    }
                } else {
                    // b is stored [n, k]: read it along its rows, a slice of KC at a time.
                    for (int p = p0; p < p1; p++) {
                        rows[p] = new float[w];
                    }
                    for (int j = 0; j < w; j++) {
                        int at = offset + (j0 + j) * k;
                        for (int p = p0; p < p1; p++) {
                            rows[p][j] = b[at + p];
                        }
                    }
                }
            }
        });
        return packed;
    }

    /**
     * Rows {@code [r0, r1)} of one product, by the columns of one panel of op(b) that starts at
     * column {@code j0}.
     */
    private static void block(MatmulShape shape, float[] a, int aOffset, float[][] panel, int j0,
            int r0, int r1, float[] c, int cOffset, float[][] tile) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        int rows = r1 - r0;
        int width = panel[0].length;
        // Strides of op(a) by row and by k: a is [m, k], or [k, m] when transposed.
        int rs = shape.transposeA() ? 1 : k;
        int ks = shape.transposeA() ? m : 1;
        for (int r = 0; r < rows; r++) {
            Arrays.fill(tile[r], 0, width, 0f);
        }
        for (int p0 = 0; p0 < k; p0 += KC) {
            int p1 = Math.min(k, p0 + KC);
            // Four at a time, except for the last k % 4 of the whole product.
            int p4 = p1 == k ? p0 + ((p1 - p0) & ~3) : p1;
            int r = 0;
            for (; r + MR <= rows; r += MR) {
                float[] c0 = tile[r];
                float[] c1 = tile[r + 1];
                int a0 = aOffset + (r0 + r) * rs;
                int a1 = a0 + rs;
                for (int p = p0; p < p4; p += 4) {
                    int q0 = p * ks;
                    int q1 = q0 + ks;
                    int q2 = q1 + ks;
                    int q3 = q2 + ks;
                    kernel2x4(c0, c1, panel[p], panel[p + 1], panel[p + 2], panel[p + 3], width,
                            a[a0 + q0], a[a0 + q1], a[a0 + q2], a[a0 + q3],
                            a[a1 + q0], a[a1 + q1], a[a1 + q2], a[a1 + q3]);
                }
                for (int p = p4; p < p1; p++) {
                    int q = p * ks;
                    kernel2x1(c0, c1, panel[p], width, a[a0 + q], a[a1 + q]);
                }
            }
            for (; r < rows; r++) {
                float[] c0 = tile[r];
                int a0 = aOffset + (r0 + r) * rs;
                for (int p = p0; p < p4; p += 4) {
                    int q0 = a0 + p * ks;
                    kernel1x4(c0, panel[p], panel[p + 1], panel[p + 2], panel[p + 3], width,
                            a[q0], a[q0 + ks], a[q0 + 2 * ks], a[q0 + 3 * ks]);
                }
                for (int p = p4; p < p1; p++) {
                    kernel1x1(c0, panel[p], width, a[a0 + p * ks]);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(tile[r], 0, c, cOffset + (r0 + r) * n + j0, width);
        }
    }

    /** Two tile rows from four panel rows: the loop C2 vectorises. */
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
