package org.sparsa.core.compute.internal;

import java.util.Arrays;
import org.sparsa.core.compute.MatmulShape;

/**
 * Single-precision batched matrix products {@code c[i] = op(a[i]) x op(b[i])}. Every element of
 * {@code c} is {@code 0 + a0 b0 + a1 b1 + ...}, added in float in ascending {@code k}; work is
 * split over rows of {@code c} only, so results do not depend on the number of threads.
 */
final class Gemm {
    /** Rows of c per parallel item. */
    private static final int ROWS = 16;

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
        // op(b) as a row-major [k, n] matrix per batch entry; a shared b is laid out once.
        float[][] rowMajorB = new float[batch][];
        for (int i = 0; i < batch; i++) {
            if (i > 0 && shape.bBatchStride() == 0) {
                rowMajorB[i] = rowMajorB[0];
            } else if (shape.transposeB()) {
                rowMajorB[i] = transpose(b, i * shape.bBatchStride(), n, k);
            } else {
                rowMajorB[i] = null;
            }
        }
        int blocks = (m + ROWS - 1) / ROWS;
        parallel.forRange(batch * blocks, (long) Math.min(ROWS, m) * n * k, (from, to) -> {
            for (int item = from; item < to; item++) {
                int i = item / blocks;
                int r0 = (item % blocks) * ROWS;
                int r1 = Math.min(m, r0 + ROWS);
                float[] bm = rowMajorB[i] != null ? rowMajorB[i] : b;
                int bOffset = rowMajorB[i] != null ? 0 : i * shape.bBatchStride();
                rows(shape, a, i * shape.aBatchStride(), bm, bOffset, c, i * m * n, r0, r1);
            }
        });
    }

    /** Rows {@code [r0, r1)} of one product, b row-major {@code [k, n]}. */
    private static void rows(MatmulShape shape, float[] a, int aOffset, float[] b, int bOffset,
            float[] c, int cOffset, int r0, int r1) {
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        boolean transposeA = shape.transposeA();
        for (int r = r0; r < r1; r++) {
            int cRow = cOffset + r * n;
            Arrays.fill(c, cRow, cRow + n, 0f);
            for (int p = 0; p < k; p++) {
                float v = transposeA ? a[aOffset + p * m + r] : a[aOffset + r * k + p];
                int bRow = bOffset + p * n;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += v * b[bRow + j];
                }
            }
        }
    }

    /** The {@code [k, n]} transpose of the {@code [n, k]} matrix at {@code offset}. */
    private static float[] transpose(float[] b, int offset, int n, int k) {
        float[] t = new float[k * n];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                t[p * n + j] = b[offset + j * k + p];
            }
        }
        return t;
    }
}
