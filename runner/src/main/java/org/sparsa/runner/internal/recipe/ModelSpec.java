package org.sparsa.runner.internal.recipe;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The decoder-only transformer a recipe trains, with every default filled in.
 *
 * @param tokenizer {@code byte} or {@code char}
 * @param vocab the vocabulary size, or {@code null} for the tokenizer's own size
 * @param dim the residual width
 * @param layers the number of transformer blocks
 * @param heads query heads
 * @param kvHeads key/value heads; {@code heads} is a multiple of it (grouped-query attention)
 * @param headDim the width of one head
 * @param ffnHidden the hidden width of the SwiGLU feed-forward
 * @param normEps the RMSNorm epsilon
 * @param ropeTheta the rotary embedding base
 * @param tieEmbeddings whether the output projection shares the embedding matrix
 * @param maxSeq the longest sequence the model is built for
 * @param attention the attention used in every layer not named in {@code perLayerAttention}
 * @param perLayerAttention attention overrides by layer index, sorted
 * @param moe the mixture-of-experts feed-forward, or {@code null} for dense layers only
 */
public record ModelSpec(String tokenizer, Integer vocab, int dim, int layers, int heads,
        int kvHeads, int headDim, int ffnHidden, double normEps, double ropeTheta,
        boolean tieEmbeddings, int maxSeq, PluginRef attention,
        Map<Integer, PluginRef> perLayerAttention, MoeSpec moe) {
    public ModelSpec {
        perLayerAttention = Collections.unmodifiableMap(new TreeMap<>(perLayerAttention));
    }
}
