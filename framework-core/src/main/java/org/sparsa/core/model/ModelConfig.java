package org.sparsa.core.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.sparsa.core.model.internal.HuggingFaceConfig;

/**
 * The shape of a Llama-layout decoder: sizes, RMSNorm and RoPE constants, the attention of each
 * layer and an optional mixture-of-experts MLP. Converts to and from a Hugging Face
 * {@code config.json} ({@code LlamaForCausalLM}), with the Sparsa-only choices under a
 * {@code sparsa} key, so a checkpoint moves to the Python ecosystem unchanged.
 *
 * @param vocab vocabulary size
 * @param dim model width
 * @param layers decoder blocks
 * @param heads query heads
 * @param kvHeads key/value heads; divides {@code heads}
 * @param headDim width of one head; even, because RoPE turns pairs
 * @param ffnHidden hidden width of the dense SwiGLU MLP
 * @param normEps RMSNorm epsilon
 * @param ropeTheta RoPE base
 * @param tieEmbeddings whether the output head reuses the embedding table
 * @param maxSequence longest sequence (prompt and generated tokens together)
 * @param attention the attention of every layer without an override
 * @param attentionByLayer per-layer overrides of {@code attention}, by layer index
 * @param moe the MoE MLP, or null for dense MLPs everywhere
 */
public record ModelConfig(int vocab, int dim, int layers, int heads, int kvHeads, int headDim,
        int ffnHidden, double normEps, double ropeTheta, boolean tieEmbeddings, int maxSequence,
        AttentionChoice attention, Map<Integer, AttentionChoice> attentionByLayer,
        MoeConfig moe) {

    /** The RMSNorm epsilon of the Llama layout. */
    public static final double NORM_EPS = 1e-6;
    /** The RoPE base of the Llama layout. */
    public static final double ROPE_THETA = 10000.0;
    /** The longest sequence when none is given. */
    public static final int MAX_SEQUENCE = 2048;

    public ModelConfig {
        positive("vocab", vocab);
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kv_heads", kvHeads);
        positive("head_dim", headDim);
        positive("ffn_hidden", ffnHidden);
        positive("max_sequence", maxSequence);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("model config: heads (" + heads
                    + ") must be a multiple of kv_heads (" + kvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("model config: head_dim must be even (RoPE turns "
                    + "pairs of entries), found " + headDim);
        }
        if (!(normEps > 0) || !Double.isFinite(normEps)) {
            throw new IllegalArgumentException("model config: norm_eps must be a finite number "
                    + "> 0, found " + normEps);
        }
        if (!(ropeTheta > 0) || !Double.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("model config: rope_theta must be a finite number "
                    + "> 0, found " + ropeTheta);
        }
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(attentionByLayer, "attentionByLayer");
        for (Map.Entry<Integer, AttentionChoice> e : attentionByLayer.entrySet()) {
            if (e.getKey() == null || e.getKey() < 0 || e.getKey() >= layers) {
                throw new IllegalArgumentException("model config: attention override for layer "
                        + e.getKey() + ", expected a layer in [0, " + layers + ")");
            }
            Objects.requireNonNull(e.getValue(), "attention of layer " + e.getKey());
        }
        attentionByLayer = Collections.unmodifiableMap(new TreeMap<>(attentionByLayer));
        if (moe != null && !moe.layers().isEmpty() && moe.layers().get(moe.layers().size() - 1)
                >= layers) {
            throw new IllegalArgumentException("model config: moe layers " + moe.layers()
                    + " must lie in [0, " + layers + ")");
        }
    }

    /**
     * A dense Llama model with full attention: {@code headDim = dim / heads}, the Llama norm and
     * RoPE constants, untied embeddings and {@value #MAX_SEQUENCE} positions.
     */
    public static ModelConfig llama(int vocab, int dim, int layers, int heads, int kvHeads,
            int ffnHidden) {
        if (heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException("model config: dim (" + dim
                    + ") must be a multiple of heads (" + heads + ") to derive head_dim");
        }
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, dim / heads, ffnHidden,
                NORM_EPS, ROPE_THETA, false, MAX_SEQUENCE, AttentionChoice.full(), Map.of(),
                null);
    }

    /** This configuration with another head width. */
    public ModelConfig withHeadDim(int value) {
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, value, ffnHidden, normEps,
                ropeTheta, tieEmbeddings, maxSequence, attention, attentionByLayer, moe);
    }

    /** This configuration with tied or untied embeddings. */
    public ModelConfig withTieEmbeddings(boolean value) {
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, headDim, ffnHidden, normEps,
                ropeTheta, value, maxSequence, attention, attentionByLayer, moe);
    }

    /** This configuration with another longest sequence. */
    public ModelConfig withMaxSequence(int value) {
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, headDim, ffnHidden, normEps,
                ropeTheta, tieEmbeddings, value, attention, attentionByLayer, moe);
    }

    /** This configuration with {@code value} as the attention of every layer not overridden. */
    public ModelConfig withAttention(AttentionChoice value) {
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, headDim, ffnHidden, normEps,
                ropeTheta, tieEmbeddings, maxSequence, value, attentionByLayer, moe);
    }

    /** This configuration with {@code value} as the attention of layer {@code layer}. */
    public ModelConfig withLayerAttention(int layer, AttentionChoice value) {
        Map<Integer, AttentionChoice> overrides = new TreeMap<>(attentionByLayer);
        overrides.put(layer, value);
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, headDim, ffnHidden, normEps,
                ropeTheta, tieEmbeddings, maxSequence, attention, overrides, moe);
    }

    /** This configuration with an MoE MLP ({@code null} for dense MLPs everywhere). */
    public ModelConfig withMoe(MoeConfig value) {
        return new ModelConfig(vocab, dim, layers, heads, kvHeads, headDim, ffnHidden, normEps,
                ropeTheta, tieEmbeddings, maxSequence, attention, attentionByLayer, value);
    }

    /** The attention of layer {@code layer}: its override, or the default. */
    public AttentionChoice attentionOf(int layer) {
        if (layer < 0 || layer >= layers) {
            throw new IllegalArgumentException("model config: layer " + layer
                    + " out of range [0, " + layers + ")");
        }
        return attentionByLayer.getOrDefault(layer, attention);
    }

    /** Whether layer {@code layer} has an MoE MLP. */
    public boolean isMoeLayer(int layer) {
        return moe != null && moe.appliesTo(layer);
    }

    /** The Hugging Face {@code config.json} text of this configuration, pretty-printed. */
    public String toHuggingFaceJson() {
        return HuggingFaceConfig.write(this);
    }

    /**
     * Reads a Hugging Face Llama {@code config.json}, with Sparsa's choices from its
     * {@code sparsa} key when present.
     *
     * @throws IllegalArgumentException naming the key when one is missing, of the wrong type or
     *     invalid
     */
    public static ModelConfig fromHuggingFaceJson(String json) {
        return HuggingFaceConfig.read(json);
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("model config: " + key
                    + " must be at least 1, found " + value);
        }
    }
}
