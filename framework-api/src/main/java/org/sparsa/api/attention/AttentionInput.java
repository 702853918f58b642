package org.sparsa.api.attention;

import java.util.Objects;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;

/**
 * What the model hands an attention layer: the normalised hidden states and the projected
 * queries, keys and values (RoPE already applied to q and k), for a batch of sequences.
 *
 * @param hidden the layer's normalised input, {@code [batch, time, hidden]} (NSA gates and the
 *     DSA indexer read it)
 * @param q queries, {@code [batch, time, heads, headDim]}
 * @param k keys, {@code [batch, time, kvHeads, headDim]}
 * @param v values, {@code [batch, time, kvHeads, headDim]}
 * @param positions the absolute position of each of the {@code time} entries (decode steps
 *     start past the cached ones)
 */
public record AttentionInput(Variable hidden, Variable q, Variable k, Variable v,
        IntTensor positions) {
    public AttentionInput {
        Objects.requireNonNull(hidden, "hidden");
        Objects.requireNonNull(q, "q");
        Objects.requireNonNull(k, "k");
        Objects.requireNonNull(v, "v");
        Objects.requireNonNull(positions, "positions");
    }
}
