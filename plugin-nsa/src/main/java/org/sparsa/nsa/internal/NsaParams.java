package org.sparsa.nsa.internal;

/**
 * The sizes of Native Sparse Attention, as {@code specs/attention.md} names them.
 *
 * @param blockLen compression block length {@code l}
 * @param stride compression stride {@code d}, dividing {@code l} and {@code l'}
 * @param selectBlock selection block length {@code l'}
 * @param selectCount selected blocks per query and kv head {@code n}
 * @param window sliding-window width {@code w}, the query itself included
 * @param initBlocks blocks at the start every query selects
 * @param localBlocks blocks ending at the query's own that every query selects
 */
public record NsaParams(int blockLen, int stride, int selectBlock, int selectCount, int window,
        int initBlocks, int localBlocks) {
    /** The paper's sizes: l = 32, d = 16, l' = 64, n = 16, w = 512, 1 initial and 2 local. */
    public static final NsaParams PAPER = new NsaParams(32, 16, 64, 16, 512, 1, 2);

    /**
     * @throws IllegalArgumentException naming the first size out of range or the combination
     *     the spec rules out
     */
    public NsaParams {
        positive("block_len", blockLen);
        positive("stride", stride);
        positive("select_block", selectBlock);
        positive("select_count", selectCount);
        positive("window", window);
        if (initBlocks < 0 || localBlocks < 0) {
            throw new IllegalArgumentException("nsa: init_blocks (" + initBlocks
                    + ") and local_blocks (" + localBlocks + ") must not be negative");
        }
        if (blockLen % stride != 0) {
            throw new IllegalArgumentException("nsa: stride (" + stride
                    + ") must divide block_len (" + blockLen + ")");
        }
        if (selectBlock % stride != 0) {
            throw new IllegalArgumentException("nsa: stride (" + stride
                    + ") must divide select_block (" + selectBlock + ")");
        }
        if (selectCount < initBlocks + localBlocks) {
            throw new IllegalArgumentException("nsa: select_count (" + selectCount
                    + ") must leave room for the forced blocks: init_blocks (" + initBlocks
                    + ") + local_blocks (" + localBlocks + ")");
        }
    }

    /** The number of compressed tokens of a sequence of {@code length}: 0 below one block. */
    public int compressedTokens(int length) {
        return length < blockLen ? 0 : (length - blockLen) / stride + 1;
    }

    /** The number of selection blocks that start before {@code length}. */
    public int selectionBlocks(int length) {
        return (length + selectBlock - 1) / selectBlock;
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("nsa: " + name + " must be at least 1, found "
                    + value);
        }
    }
}
