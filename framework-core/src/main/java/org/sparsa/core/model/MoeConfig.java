package org.sparsa.core.model;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The mixture-of-experts MLP of the layers it applies to: a router picks {@code topK} of
 * {@code experts} SwiGLU experts per token, weighting them by the router's softmax renormalised
 * over the chosen ones; an optional shared expert sees every token.
 *
 * @param experts routed experts per layer
 * @param topK experts each token goes to
 * @param sharedExpert whether a shared expert is added
 * @param expertHidden hidden width of each expert (the shared one included)
 * @param layers the layers with an MoE MLP, ascending; empty means every layer
 */
public record MoeConfig(int experts, int topK, boolean sharedExpert, int expertHidden,
        List<Integer> layers) {
    public MoeConfig {
        if (experts < 1) {
            throw new IllegalArgumentException("moe: experts must be at least 1, found "
                    + experts);
        }
        if (topK < 1 || topK > experts) {
            throw new IllegalArgumentException("moe: top_k must be in [1, " + experts
                    + "] (the number of experts), found " + topK);
        }
        if (expertHidden < 1) {
            throw new IllegalArgumentException("moe: expert_hidden must be at least 1, found "
                    + expertHidden);
        }
        Objects.requireNonNull(layers, "layers");
        TreeSet<Integer> sorted = new TreeSet<>();
        for (Integer layer : layers) {
            if (layer == null || layer < 0 || !sorted.add(layer)) {
                throw new IllegalArgumentException("moe: layers must be distinct indices >= 0, "
                        + "found " + layers);
            }
        }
        layers = List.copyOf(sorted);
    }

    /** An MoE MLP in every layer. */
    public static MoeConfig everyLayer(int experts, int topK, boolean sharedExpert,
            int expertHidden) {
        return new MoeConfig(experts, topK, sharedExpert, expertHidden, List.of());
    }

    /** Whether layer {@code layer} has an MoE MLP. */
    public boolean appliesTo(int layer) {
        return layers.isEmpty() || layers.contains(layer);
    }
}
