package org.sparsa.core.compute.internal.opencl;

import java.util.Arrays;

/**
 * A shape and the strides one or more operands are read with along it, simplified for the
 * index arithmetic of the kernels: axes of size 1 are dropped and neighbouring axes that every
 * operand reads as one run are merged, which keeps the rank within {@link #MAX_RANK} for most
 * shapes of any rank and shortens the kernels' loops. Arrays have {@link #MAX_RANK} entries,
 * the first {@link #rank} used.
 *
 * @param rank the axes left
 * @param shape the size of each axis left
 * @param strides for each operand, its stride along each axis left
 */
record Strides(int rank, int[] shape, int[][] strides) {
    /** The most axes the kernels take. */
    static final int MAX_RANK = BinaryKernel.MAX_RANK;

    /** The row-major strides of {@code shape}, 0 along axes of size 1 (which broadcast). */
    static int[] broadcast(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = shape[d] == 1 ? 0 : stride;
            stride *= shape[d];
        }
        return strides;
    }

    /**
     * Simplifies {@code shape} read with {@code strides} (one array per operand, each of the
     * rank of {@code shape}).
     *
     * @throws IllegalArgumentException when more than {@link #MAX_RANK} axes remain
     */
    static Strides simplify(String op, int[] shape, int[]... strides) {
        int[] size = new int[shape.length];
        int[][] step = new int[strides.length][shape.length];
        int rank = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) {
                continue;
            }
            boolean merge = rank > 0;
            for (int s = 0; s < strides.length && merge; s++) {
                merge = step[s][rank - 1] == (long) strides[s][d] * shape[d];
            }
            if (merge) {
                size[rank - 1] *= shape[d];
                for (int s = 0; s < strides.length; s++) {
                    step[s][rank - 1] = strides[s][d];
                }
            } else {
                size[rank] = shape[d];
                for (int s = 0; s < strides.length; s++) {
                    step[s][rank] = strides[s][d];
                }
                rank++;
            }
        }
        if (rank > MAX_RANK) {
            throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape)
                    + " needs " + rank + " axes in the OpenCL kernel, at most " + MAX_RANK);
        }
        int[][] padded = new int[strides.length][];
        for (int s = 0; s < strides.length; s++) {
            padded[s] = Arrays.copyOf(step[s], MAX_RANK);
        }
        return new Strides(rank, Arrays.copyOf(size, MAX_RANK), padded);
    }
}
