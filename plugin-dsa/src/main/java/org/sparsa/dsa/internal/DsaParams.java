package org.sparsa.dsa.internal;

/**
 * The sizes and options of DeepSeek Sparse Attention, as the DSA section of
 * {@code specs/attention.md} names them.
 *
 * @param topK keys each query attends to, {@code top_k}
 * @param indexHeads lightning-indexer heads {@code HI}
 * @param indexDim width of an index query and of the shared index key, {@code dI}
 * @param ropeDim leading entries of the index query and key that RoPE turns (NeoX rotate-half)
 * @param fp8 whether the index queries and keys go through simulated FP8 e4m3
 * @param fp8Group entries of a row that share one FP8 scale
 * @param pow2Scale whether FP8 scales are rounded up to powers of two
 */
public record DsaParams(int topK, int indexHeads, int indexDim, int ropeDim, boolean fp8,
        int fp8Group, boolean pow2Scale) {
    /** DeepSeek-V3.2's sizes: top-k 2048, 64 index heads of 128, RoPE on 64, no FP8. */
    public static final DsaParams DEEPSEEK = new DsaParams(2048, 64, 128, 64, false, 128, false);

    /**
     * @throws IllegalArgumentException naming the first size out of range or the combination
     *     that cannot work
     */
    public DsaParams {
        positive("top_k", topK);
        positive("index_heads", indexHeads);
        positive("index_dim", indexDim);
        positive("fp8_group", fp8Group);
        if (ropeDim < 0 || ropeDim > indexDim || ropeDim % 2 != 0) {
            throw new IllegalArgumentException("dsa: rope_dim (" + ropeDim + ") must be even "
                    + "and from 0 to index_dim (" + indexDim + ")");
        }
        if (fp8 && indexDim % fp8Group != 0) {
            throw new IllegalArgumentException("dsa: fp8_group (" + fp8Group
                    + ") must divide index_dim (" + indexDim + ")");
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("dsa: " + name + " must be at least 1, found "
                    + value);
        }
    }
}
