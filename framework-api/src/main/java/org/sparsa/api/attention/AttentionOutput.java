package org.sparsa.api.attention;

import java.util.Map;
import org.sparsa.api.autograd.Variable;

/**
 * What an attention layer's forward pass gives back.
 *
 * @param output the per-head attention output, {@code [batch, time, heads, headDim]}
 * @param auxiliaryLosses named losses the layer adds to the objective (the DSA indexer KL);
 *     empty for most variants
 */
public record AttentionOutput(Variable output, Map<String, Variable> auxiliaryLosses) {
    public AttentionOutput {
        auxiliaryLosses = Map.copyOf(auxiliaryLosses);
    }
}
