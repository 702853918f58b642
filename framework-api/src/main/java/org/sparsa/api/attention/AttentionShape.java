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
 * @param ropeTheta the base of the model's rotary position embedding, for layers that project
 *     and rotate keys of their own the way the model rotates q and k
 */
public record AttentionShape(int layer, int hidden, int heads, int kvHeads, int headDim,
        int maxSequence, double ropeTheta) {
    /** The rotary base of models that do not name one. */
    public static final double DEFAULT_ROPE_THETA = 10000.0;

    /**
     * @throws IllegalArgumentException when the heads do not group or the rotary base is not a
     *     positive finite number
     */
    public AttentionShape {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: heads (" + heads
                    + ") must be a positive multiple of kv heads (" + kvHeads + ")");
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("attention: rope theta must be a positive finite "
                    + "number, found " + ropeTheta);
        }
    }

    /** The shape of a layer with the default rotary base, {@value #DEFAULT_ROPE_THETA}. */
    public AttentionShape(int layer, int hidden, int heads, int kvHeads, int headDim,
            int maxSequence) {
        this(layer, hidden, heads, kvHeads, headDim, maxSequence, DEFAULT_ROPE_THETA);
    }
}
