package org.sparsa.core.compute.internal;

import java.util.Arrays;

/**
 * How two same-rank inputs broadcast to an output shape, simplified for loops: axes of size 1
 * in the output are dropped, and neighbouring axes that both inputs either span or repeat alike
 * are merged. {@code [N, D] + [1, D]} becomes {@code N} rows of {@code D} with b's row stride 0;
 * equal shapes become one flat axis. The last axis is the inner loop, whose strides are then 0
 * or 1 for each input.
 */
final class Broadcast {
    /** The merged output sizes; never empty (a scalar is one axis of size 1). */
    final int[] dims;
    /** Strides of the first input along {@link #dims}; 0 where it repeats. */
    final int[] aStrides;
    /** Strides of the second input along {@link #dims}; 0 where it repeats. */
    final int[] bStrides;
    /** The number of output elements. */
    final int size;

    Broadcast(int[] outShape, int[] aShape, int[] bShape) {
        int rank = outShape.length;
        if (aShape.length != rank || bShape.length != rank) {
            throw new IllegalArgumentException("broadcast: shapes " + Arrays.toString(aShape)
                    + " and " + Arrays.toString(bShape) + " must have the rank of "
                    + Arrays.toString(outShape));
        }
        int[] out = new int[Math.max(1, rank)];
        boolean[] aFull = new boolean[out.length];
        boolean[] bFull = new boolean[out.length];
        int kept = 0;
        long total = 1;
        for (int d = 0; d < rank; d++) {
            total *= outShape[d];
            if (outShape[d] == 1) {
                continue;
            }
            requireBroadcast(aShape[d], outShape[d], aShape, outShape);
            requireBroadcast(bShape[d], outShape[d], bShape, outShape);
            if (kept > 0 && aFull[kept - 1] == (aShape[d] != 1)
                    && bFull[kept - 1] == (bShape[d] != 1)) {
                out[kept - 1] *= outShape[d];
            } else {
                out[kept] = outShape[d];
                aFull[kept] = aShape[d] != 1;
                bFull[kept] = bShape[d] != 1;
                kept++;
            }
        }
        if (kept == 0) {
            // Every output axis has size 1 (or there is none): one element.
            out[0] = 1;
            aFull[0] = true;
            bFull[0] = true;
            kept = 1;
        }
        this.size = (int) total;
        this.dims = Arrays.copyOf(out, kept);
        this.aStrides = strides(dims, aFull);
        this.bStrides = strides(dims, bFull);
    }

    private static void requireBroadcast(int in, int out, int[] inShape, int[] outShape) {
        if (in != out && in != 1) {
            throw new IllegalArgumentException("broadcast: shape " + Arrays.toString(inShape)
                    + " does not broadcast to " + Arrays.toString(outShape));
        }
    }

    private static int[] strides(int[] dims, boolean[] full) {
        int[] strides = new int[dims.length];
        int stride = 1;
        for (int d = dims.length - 1; d >= 0; d--) {
            if (full[d]) {
                strides[d] = stride;
                stride *= dims[d];
            }
        }
        return strides;
    }

    /** The length of the inner loop. */
    int inner() {
        return dims[dims.length - 1];
    }

    /** The number of inner rows. */
    int rows() {
        int inner = inner();
        return inner == 0 ? 0 : size / inner;
    }

    /** The offset of inner row {@code row} in the first input. */
    int aOffset(int row) {
        return offset(row, aStrides);
    }

    /** The offset of inner row {@code row} in the second input. */
    int bOffset(int row) {
        return offset(row, bStrides);
    }

    private int offset(int row, int[] strides) {
        int offset = 0;
        for (int d = dims.length - 2; d >= 0 && row > 0; d--) {
            offset += (row % dims[d]) * strides[d];
            row /= dims[d];
        }
        return offset;
    }
}
