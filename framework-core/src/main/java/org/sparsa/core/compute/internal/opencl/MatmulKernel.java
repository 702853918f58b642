package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;

/**
 * Batched matrix products {@code c[i] = op(a[i]) x op(b[i])}, tiled through local memory. The
 * range is three-dimensional: columns of {@code c} (dimension 0), rows (dimension 1), both
 * padded to whole tiles, and batch entries (dimension 2). A work group of {@code tile x tile}
 * items loads one tile of {@code op(a)} and one of {@code op(b)} per step along {@code k}, each
 * item one element of each (zero outside the matrices), and every item adds its row-column
 * products in ascending {@code k}, the same order as a plain loop.
 *
 * <p>A launch may cover a block of the whole product: {@link #block} says where it starts.
 */
public final class MatmulKernel extends Kernel {
    private float[] left = new float[1];
    private float[] right = new float[1];
    private float[] out = new float[1];
    @Local
    private float[] leftTile;
    @Local
    private float[] rightTile;
    private int tile;
    private int m;
    private int n;
    private int k;
    private int transposeLeft;
    private int transposeRight;
    private int leftStride;
    private int rightStride;
    private int rowBase;
    private int columnBase;
    private int batchBase;

    /** A kernel for square work groups of {@code tile x tile} items. */
    public MatmulKernel(int tile) {
        this.tile = tile;
        this.leftTile = new float[tile * tile];
        this.rightTile = new float[tile * tile];
    }

    /** The tile edge, the work-group size in dimensions 0 and 1. */
    public int tile() {
        return tile;
    }

    /** Sets the sizes and arrays of the next launches. */
    public void bind(int m, int n, int k, boolean transposeLeft, boolean transposeRight,
            int leftStride, int rightStride, float[] left, float[] right, float[] out) {
        this.m = m;
        this.n = n;
        this.k = k;
        this.transposeLeft = transposeLeft ? 1 : 0;
        this.transposeRight = transposeRight ? 1 : 0;
        this.leftStride = leftStride;
        this.rightStride = rightStride;
        this.left = left;
        this.right = right;
        this.out = out;
    }

    /** Where the next launch starts: its first row, column (multiples of the tile) and batch. */
    public void block(int row, int column, int batch) {
        this.rowBase = row;
        this.columnBase = column;
        this.batchBase = batch;
    }

    @Override
    public void run() {
        int localColumn = getLocalId(0);
        int localRow = getLocalId(1);
        int column = columnBase + getGlobalId(0);
        int row = rowBase + getGlobalId(1);
        int batch = batchBase + getGlobalId(2);
        int leftBase = batch * leftStride;
        int rightBase = batch * rightStride;
        float sum = 0f;
        for (int start = 0; start < k; start += tile) {
            // This item loads op(a)[row, start + localColumn] and op(b)[start + localRow, column].
            int leftK = start + localColumn;
            float leftValue = 0f;
            if (row < m && leftK < k) {
                if (transposeLeft == 0) {
                    leftValue = left[leftBase + row * k + leftK];
                } else {
                    leftValue = left[leftBase + leftK * m + row];
                }
            }
            int rightK = start + localRow;
            float rightValue = 0f;
            if (column < n && rightK < k) {
                if (transposeRight == 0) {
                    rightValue = right[rightBase + rightK * n + column];
                } else {
                    rightValue = right[rightBase + column * k + rightK];
                }
            }
            leftTile[localRow * tile + localColumn] = leftValue;
            rightTile[localRow * tile + localColumn] = rightValue;
            localBarrier();
            for (int i = 0; i < tile; i++) {
                sum = sum + leftTile[localRow * tile + i] * rightTile[i * tile + localColumn];
            }
            localBarrier();
        }
        if (row < m && column < n) {
            out[(batch * m + row) * n + column] = sum;
        }
    }
}
