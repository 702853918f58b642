package org.sparsa.core.compute.internal;

import java.util.Arrays;
import org.sparsa.core.compute.MatmulShape;

/**
 * Single-precision batched matrix products {@code c[i] = op(a[i]) x op(b[i])}.
 *
 * <p><b>Results.</b> Every element of {@code c} is
 * {@code fma(a[k-1], b[k-1], ... fma(a1, b1, fma(a0, b0, 0)))}: one fused multiply-add per term,
 * each rounded once, in ascending {@code k}. That is exactly what the plain {@code i-k-j} loop
 * computes ({@link #plain}), so the blocked path, the few-row paths and any split over threads
 * all give the same bits, with or without the Vector API. Work is split only over blocks of rows
 * and columns of {@code c}, never over {@code k}.
 *
 * <p><b>Speed.</b> The blocked path follows the usual layered scheme. op(b) is packed once per
 * product into column panels of up to {@link #NC} columns, each stored as strips of
 * {@link MicroKernel#COLUMNS} columns laid out step by step along {@code k}. Each parallel item
 * owns up to {@link #MC} rows of c by one panel; for each {@link #KC}-deep slice it packs its
 * rows of op(a) into strips of {@link MicroKernel#ROWS} rows (a few kilobytes that stay in L1),
 * then runs the {@link MicroKernel} over every strip pair, whose tile of c stays in registers for
 * the whole slice. Rows and columns past the end are packed as zeros and never copied out.
 * Packed panels and the items' scratch are borrowed from {@link ScratchArrays} and given back
 * when the product is done, so repeated products of one shape allocate nothing.
 */
final class Gemm {
    /** Widest panel of op(b). */
    static final int NC = 1024;
    /**
     * Depth of a slice: a strip of op(b) is then 16 KiB and stays in L1 while every strip of
     * the item's rows passes over it.
     */
    static final int KC = 256;
    /** Most rows of c per parallel item: a multiple of {@link MicroKernel#ROWS}. */
    static final int MC = 48;
    /** Rows of c the micro-kernel updates at once. */
    private static final int MR = MicroKernel.ROWS;
    /** Columns of c the micro-kernel updates at once. */
    private static final int NR = MicroKernel.COLUMNS;
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

    private final Parallel parallel;
    private final ScratchArrays scratch = new ScratchArrays();

    /** Products split over {@code parallel}'s threads. */
    Gemm(Parallel parallel) {
        this.parallel = parallel;
    }

    /** The arrays this instance lends its items, for tests. */
    ScratchArrays scratch() {
        return scratch;
    }

    /** {@code c[i] = op(a[i]) x op(b[i])} for every batch entry {@code i}. */
    void multiply(MatmulShape shape, float[] a, float[] b, float[] c) {
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
            narrowByDots(shape, a, b, c);
            return;
        }
        if (m <= NARROW) {
            narrow(shape, a, b, c);
            return;
        }
        // Panels of equal width (whole strips) rather than full ones and a sliver.
        int panels = (n + NC - 1) / NC;
        int panelWidth = Math.min(roundUp(n, NR), roundUp((n + panels - 1) / panels, NR));
        panels = (n + panelWidth - 1) / panelWidth;
        // Fewer rows per item when there would be too few items to share out.
        int wanted = Math.max(1, ITEMS / Math.max(1, batch * panels));
        int rowsPerItem = Math.min(MC, Math.max(MR, ((m + wanted - 1) / wanted + MR - 1)
                / MR * MR));
        int rowBlocks = (m + rowsPerItem - 1) / rowsPerItem;
        boolean sharedB = shape.bBatchStride() == 0;
        int group = sharedB ? batch : (int) Math.max(1, Math.min(batch, PACKED_LIMIT / k / n));
        float[][] sharedPanels = sharedB ? pack(shape, b, 0, panelWidth) : null;
        int itemsPerEntry = panels * rowBlocks;
        long work = (long) Math.min(rowsPerItem, m) * panelWidth * k;
        for (int first = 0; first < batch; first += group) {
            int count = Math.min(group, batch - first);
            float[][][] packed = new float[count][][];
            for (int g = 0; g < count; g++) {
                packed[g] = sharedB ? sharedPanels
                        : pack(shape, b, (first + g) * shape.bBatchStride(), panelWidth);
            }
            int base = first;
            parallel.forRange(count * itemsPerEntry, work, (from, to) -> {
                float[] strips = scratch.borrow(roundUp(rowsPerItem, MR) * KC);
                float[] tile = scratch.borrow(roundUp(rowsPerItem, MR) * panelWidth);
                for (int item = from; item < to; item++) {
                    int g = item / itemsPerEntry;
                    int rest = item % itemsPerEntry;
                    // Consecutive items share a panel, which then stays in the caches.
                    int panel = rest / rowBlocks;
                    int r0 = (rest % rowBlocks) * rowsPerItem;
                    int entry = base + g;
                    block(shape, a, entry * shape.aBatchStride(), packed[g][panel],
                            panelWidth, panel * panelWidth, r0, Math.min(m, r0 + rowsPerItem), c,
                            entry * m * n, strips, tile);
                }
                scratch.giveBack(strips);
                scratch.giveBack(tile);
            });
            if (!sharedB) {
                for (float[][] panelsOfEntry : packed) {
                    giveBack(panelsOfEntry);
                }
            }
        }
        if (sharedB) {
            giveBack(sharedPanels);
        }
    }

    private void giveBack(float[][] arrays) {
        for (float[] array : arrays) {
            scratch.giveBack(array);
        }
    }

    /**
     * Products of a few rows by a transposed b, as a linear layer decoding one token computes
     * them: column j of op(b) is row j of b, so each result is a dot product of two contiguous
     * rows, summed in ascending {@code k} like every other path. Reading b along its columns
     * instead, as {@link #narrow} would, strides through memory and costs more than the
     * arithmetic. Items own chunks of {@link #DOT_COLUMNS} columns of one batch entry; eight
     * columns at a time keep eight independent chains of fused multiply-adds in flight, enough
     * to cover their latency.
     */
    private void narrowByDots(MatmulShape shape, float[] a, float[] b, float[] c) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        int perEntry = (n + DOT_COLUMNS - 1) / DOT_COLUMNS;
        parallel.forRange(shape.batch() * perEntry, (long) m * DOT_COLUMNS * k, (from, to) -> {
            float[] row = scratch.borrow(k);
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
                    for (; j + 8 <= j1; j += 8) {
                        int b0 = bOffset + j * k;
                        float s0 = 0f;
                        float s1 = 0f;
                        float s2 = 0f;
                        float s3 = 0f;
                        float s4 = 0f;
                        float s5 = 0f;
                        float s6 = 0f;
                        float s7 = 0f;
                        for (int p = 0; p < k; p++) {
                            float x = row[p];
                            s0 = Math.fma(x, b[b0 + p], s0);
                            s1 = Math.fma(x, b[b0 + k + p], s1);
                            s2 = Math.fma(x, b[b0 + 2 * k + p], s2);
                            s3 = Math.fma(x, b[b0 + 3 * k + p], s3);
                            s4 = Math.fma(x, b[b0 + 4 * k + p], s4);
                            s5 = Math.fma(x, b[b0 + 5 * k + p], s5);
                            s6 = Math.fma(x, b[b0 + 6 * k + p], s6);
                            s7 = Math.fma(x, b[b0 + 7 * k + p], s7);
                        }
                        c[out + j] = s0;
                        c[out + j + 1] = s1;
                        c[out + j + 2] = s2;
                        c[out + j + 3] = s3;
                        c[out + j + 4] = s4;
                        c[out + j + 5] = s5;
                        c[out + j + 6] = s6;
                        c[out + j + 7] = s7;
                    }
                    for (; j < j1; j++) {
                        int b0 = bOffset + j * k;
                        float s0 = 0f;
                        for (int p = 0; p < k; p++) {
                            s0 = Math.fma(row[p], b[b0 + p], s0);
                        }
                        c[out + j] = s0;
                    }
                }
            }
            scratch.giveBack(row);
        });
    }

    /**
     * Products of a few rows: items own column chunks of one batch entry and walk {@code k},
     * copying each row of op(b) for the chunk into a buffer and adding it into every row.
     */
    private void narrow(MatmulShape shape, float[] a, float[] b, float[] c) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        int chunks = (n + NC - 1) / NC;
        int width = Math.min(n, ((n + chunks - 1) / chunks + 7) & ~7);
        chunks = (n + width - 1) / width;
        int perEntry = chunks;
        parallel.forRange(shape.batch() * perEntry, (long) m * width * k, (from, to) -> {
            float[] tile = scratch.borrow(m * width);
            float[] row = scratch.borrow(width);
            for (int item = from; item < to; item++) {
                int entry = item / perEntry;
                int j0 = (item % perEntry) * width;
                int w = Math.min(width, n - j0);
                int aOffset = entry * shape.aBatchStride();
                int bOffset = entry * shape.bBatchStride();
                Arrays.fill(tile, 0, m * width, 0f);
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
                        kernel1x1(tile, r * width, row, w, v);
                    }
                }
                for (int r = 0; r < m; r++) {
                    System.arraycopy(tile, r * width, c, (entry * m + r) * n + j0, w);
                }
            }
            scratch.giveBack(tile);
            scratch.giveBack(row);
        });
    }

    /**
     * op(b) at {@code offset} as panels of {@code width} columns (a multiple of
     * {@link MicroKernel#COLUMNS}): in {@code result[panel]}, strip {@code s} holds step
     * {@code p} at {@code (s * k + p) * COLUMNS}; columns past {@code n} are zeros.
     * The panels are borrowed from {@link #scratch}.
     */
    private float[][] pack(MatmulShape shape, float[] b, int offset, int width) {
        int n = shape.n();
        int k = shape.k();
        int panels = (n + width - 1) / width;
        float[][] packed = new float[panels][];
        int stripsPerPanel = width / NR;
        for (int panel = 0; panel < panels; panel++) {
            packed[panel] = scratch.borrow(roundUp(Math.min(width, n - panel * width), NR) * k);
        }
        parallel.forRange(panels * stripsPerPanel, (long) NR * k, (from, to) -> {
            for (int item = from; item < to; item++) {
                int panel = item / stripsPerPanel;
                int strip = item % stripsPerPanel;
                int j0 = panel * width + strip * NR;
                float[] into = packed[panel];
                if (j0 >= n) {
                    continue;
                }
                int w = Math.min(NR, n - j0);
                int base = strip * k * NR;
                if (!shape.transposeB()) {
                    for (int p = 0; p < k; p++) {
                        System.arraycopy(b, offset + p * n + j0, into, base + p * NR, w);
                    }
                } else {
                    // b is stored [n, k]: read it along its rows.
                    for (int j = 0; j < w; j++) {
                        int at = offset + (j0 + j) * k;
                        for (int p = 0; p < k; p++) {
                            into[base + p * NR + j] = b[at + p];
                        }
                    }
                }
                if (w < NR) {
                    // A borrowed panel holds old values where the last strip runs past n.
                    for (int p = 0; p < k; p++) {
                        Arrays.fill(into, base + p * NR + w, base + (p + 1) * NR, 0f);
                    }
                }
            }
        });
        return packed;
    }

    /**
     * Rows {@code [r0, r1)} of one product, by the columns of one packed panel of op(b) that
     * starts at column {@code j0}; {@code strips} and {@code tile} are the item's scratch.
     */
    private static void block(MatmulShape shape, float[] a, int aOffset, float[] panel,
            int panelWidth, int j0, int r0, int r1, float[] c, int cOffset, float[] strips,
            float[] tile) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        int width = Math.min(panelWidth, n - j0);
        int stride = roundUp(width, NR);
        int rowStrips = (r1 - r0 + MR - 1) / MR;
        // Strides of op(a) by row and by k: a is [m, k], or [k, m] when transposed.
        int rs = shape.transposeA() ? 1 : k;
        int ks = shape.transposeA() ? m : 1;
        for (int p0 = 0; p0 < k; p0 += KC) {
            int depth = Math.min(KC, k - p0);
            for (int s = 0; s < rowStrips; s++) {
                for (int i = 0; i < MR; i++) {
                    int row = r0 + s * MR + i;
                    int to = s * depth * MR + i;
                    if (row < r1) {
                        int from = aOffset + row * rs + p0 * ks;
                        for (int p = 0; p < depth; p++) {
                            strips[to + p * MR] = a[from + p * ks];
                        }
                    } else {
                        for (int p = 0; p < depth; p++) {
                            strips[to + p * MR] = 0f;
                        }
                    }
                }
            }
            for (int col = 0; col < stride; col += NR) {
                int bo = (col / NR * k + p0) * NR;
                for (int s = 0; s < rowStrips; s++) {
                    MicroKernel.update(strips, s * depth * MR, panel, bo, depth, tile,
                            s * MR * stride + col, stride, p0 == 0);
                }
            }
        }
        for (int r = r0; r < r1; r++) {
            System.arraycopy(tile, (r - r0) * stride, c, cOffset + r * n + j0, width);
        }
    }

    private static void kernel1x1(float[] c, int offset, float[] b0, int width, float a0) {
        for (int j = 0; j < width; j++) {
            c[offset + j] = Math.fma(a0, b0[j], c[offset + j]);
        }
    }

    private static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /**
     * One product by the plain {@code i-k-j} loop of fused multiply-adds: what every path
     * computes, bit for bit.
     */
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
                    c[row + j] = Math.fma(v, w, c[row + j]);
                }
            }
        }
    }
}
