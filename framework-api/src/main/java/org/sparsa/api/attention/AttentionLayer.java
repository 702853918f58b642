package org.sparsa.api.attention;

import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;

/**
 * One layer's attention, made by an {@link AttentionPlugin}. It holds no learnable state: the
 * parameters come in with every call. The model owns the q/k/v/o projections and RoPE; the layer
 * turns projected queries, keys and values into per-head outputs.
 */
@ConsumerType
public interface AttentionLayer {

    /** The modes the layer supports (DSA: {@code dense}, {@code sparse}); the first is the default. */
    Set<String> modes();

    /**
     * Attends over whole sequences (training and prefill).
     *
     * @param input hidden states and projected q, k, v
     * @param parameters the layer's own parameters, named as in the plugin's specs
     * @param mode one of {@link #modes()}
     * @return the output, {@code [batch, time, heads, headDim]}, and any auxiliary losses
     */
    AttentionOutput forward(AttentionInput input, Parameters parameters, String mode);

    /** A fresh cache for decoding a batch of sequences of up to {@code maxLength} positions. */
    KvCache newCache(int batch, int maxLength);

    /**
     * Attends for the next positions of the sequences in {@code cache}, appending them to it
     * (usually one position; a prompt's positions at once when prefilling the cache).
     *
     * @return the output, {@code [batch, time, heads, headDim]}
     */
    Variable decode(AttentionInput input, KvCache cache, Parameters parameters, String mode);
}
