package org.sparsa.api.attention;

/**
 * The dimensions of one attention layer, fixed by the model.
 *
 * @param layer index of the layer, from 0
 * @param hidden model width
 * @param heads query heads
 * @param kvHeads key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim width of one head
 * @param maxSequence longest sequence the layer must handle
 */
public record AttentionShape(int layer, int hidden, int heads, int kvHeads, int headDim,
        int maxSequence) {
    public AttentionShape {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: heads (" + heads
                    + ") must be a positive multiple of kv heads (" + kvHeads + ")");
        }
    }
}
