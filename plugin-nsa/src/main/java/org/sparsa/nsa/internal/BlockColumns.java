package org.sparsa.nsa.internal;

/**
 * Keys or values {@code [T, Hkv, D]} regrouped by selection block, for the selected branch:
 * {@code columns[(g * blocks + b) * D + d][i]} is the d-th element of token {@code b l' + i} of
 * kv head g, zero past T. A selected block's score loop then runs along short arrays indexed
 * like the scores it writes (the form the JIT vectorises), and the D arrays of a block are
 * allocated one after the other, so a block the selection picks anywhere in a long sequence is
 * one short stretch of memory, not D pieces of D sequence-long columns.
 *
 * @param columns the columns, {@code [Hkv * blocks * D][l']}
 * @param blocks the selection blocks of the sequence
 * @param dim D
 */
record BlockColumns(float[][] columns, int blocks, int dim) {
    static BlockColumns of(float[] x, NsaKernel.Sizes sizes) {
        int hkv = sizes.kvHeads();
        int dim = sizes.dim();
        int blocks = sizes.blocks();
        int blockLen = sizes.params().selectBlock();
        int length = sizes.length();
        float[][] columns = new float[hkv * blocks * dim][];
        for (int g = 0; g < hkv; g++) {
            for (int b = 0; b < blocks; b++) {
                int first = (g * blocks + b) * dim;
                for (int d = 0; d < dim; d++) {
                    columns[first + d] = new float[blockLen];
                }
                int end = Math.min(blockLen, length - b * blockLen);
                for (int i = 0; i < end; i++) {
                    int at = ((b * blockLen + i) * hkv + g) * dim;
                    for (int d = 0; d < dim; d++) {
                        columns[first + d][i] = x[at + d];
                    }
                }
            }
        }
        return new BlockColumns(columns, blocks, dim);
    }

    /** The index in {@link #columns} of block b's first column for kv head g. */
    int base(int g, int b) {
        return (g * blocks + b) * dim;
    }
}
