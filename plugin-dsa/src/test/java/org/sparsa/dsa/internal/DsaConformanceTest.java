package org.sparsa.dsa.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.testkit.conformance.AttentionPluginConformance;

/**
 * DSA against the attention conformance suite, in both its modes: each query attends to the 5
 * keys a 2-head indexer of width 8 ranks highest, so that at 13 positions the selection leaves
 * keys out.
 */
class DsaConformanceTest extends AttentionPluginConformance {

    private static PluginConfig config(int topK) {
        return PluginConfig.of(new HashMap<>(Map.of("top_k", topK, "index_heads", 2,
                "index_dim", 8, "rope_dim", 4)), "dsa conformance, top_k " + topK);
    }

    @Override
    protected AttentionPlugin plugin() {
        return new DsaPlugin();
    }

    @Override
    protected PluginConfig config() {
        return config(5);
    }

    /** Every key selected: the selection cannot flip under a finite-difference step. */
    @Override
    protected PluginConfig gradientCheckConfig() {
        return config(gradientCheckLength());
    }

    /** With top_k covering every key, sparse mode is dense attention. */
    @Override
    protected Optional<PluginConfig> reducesToFullAttentionWhen() {
        return Optional.of(config(length()));
    }

    /** Indexer weights of order 1, so that its scores spread and select different keys. */
    @Override
    protected void prepareParameters(Parameters parameters) {
        for (String name : List.of(Indexer.WQ, Indexer.WK, Indexer.WEIGHTS)) {
            float[] values = DenseTensor.of(parameters.get(name).value()).data();
            for (int i = 0; i < values.length; i++) {
                values[i] *= 25;
            }
        }
    }
}
