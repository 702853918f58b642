package org.sparsa.core.compute;

/**
 * The sizes of a batched matrix product {@code c[i] = op(a[i]) x op(b[i])} over contiguous
 * row-major arrays, {@code c[i]} being {@code m x n}.
 *
 * @param batch the number of products
 * @param m rows of {@code op(a)} and {@code c}
 * @param n columns of {@code op(b)} and {@code c}
 * @param k columns of {@code op(a)}, rows of {@code op(b)}
 * @param transposeA whether {@code a[i]} is stored {@code k x m} and used transposed
 * @param transposeB whether {@code b[i]} is stored {@code n x k} and used transposed
 * @param aBatchStride elements between {@code a[i]} and {@code a[i+1]}; 0 shares one matrix
 * @param bBatchStride elements between {@code b[i]} and {@code b[i+1]}; 0 shares one matrix
 */
public record MatmulShape(int batch, int m, int n, int k, boolean transposeA, boolean transposeB,
        int aBatchStride, int bBatchStride) {

    public MatmulShape {
        if (batch < 0 || m < 0 || n < 0 || k < 0 || aBatchStride < 0 || bBatchStride < 0) {
            throw new IllegalArgumentException("matmul: negative size in " + batch + " x [" + m
                    + ", " + k + "] x [" + k + ", " + n + "]");
        }
    }

    /** One plain product {@code [m, k] x [k, n]}. */
    public static MatmulShape of(int m, int n, int k) {
        return new MatmulShape(1, m, n, k, false, false, m * k, k * n);
    }

    /** The floating-point operations of the product, {@code 2 batch m n k}. */
    public double flops() {
        return 2.0 * batch * m * n * k;
    }
}
