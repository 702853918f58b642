package org.sparsa.testkit.conformance;

import java.util.Map;
import java.util.Optional;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.attention.internal.FullAttentionPlugin;

/**
 * Core's {@code full} attention with a sliding window shorter than the sequence, whose decode
 * path drops keys as they leave the window; a window as long as the sequence is full attention.
 */
class WindowedFullAttentionConformanceTest extends AttentionPluginConformance {

    @Override
    protected AttentionPlugin plugin() {
        return new FullAttentionPlugin();
    }

    @Override
    protected PluginConfig config() {
        return PluginConfig.of(Map.of("window", 5), "full conformance, window 5");
    }

    @Override
    protected Optional<PluginConfig> reducesToFullAttentionWhen() {
        return Optional.of(PluginConfig.of(Map.of("window", length()),
                "full conformance, window of the whole sequence"));
    }
}
