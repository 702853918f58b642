package org.sparsa.runner.internal.recipe;

import java.util.List;

/**
 * A mixture-of-experts feed-forward in place of the dense one, in some or all layers.
 *
 * @param experts routed experts per MoE layer, at least 2
 * @param topK experts each token is routed to, at most {@code experts}
 * @param sharedExpert whether one expert sees every token besides the routed ones
 * @param expertHidden each expert's hidden width
 * @param layers the layer indices that use MoE, sorted; every layer by default
 */
public record MoeSpec(int experts, int topK, boolean sharedExpert, int expertHidden,
        List<Integer> layers) {
    public MoeSpec {
        layers = List.copyOf(layers);
    }
}
