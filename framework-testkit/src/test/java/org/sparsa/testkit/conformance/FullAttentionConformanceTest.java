package org.sparsa.testkit.conformance;

import java.util.Map;
import java.util.Optional;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.attention.internal.FullAttentionPlugin;

/**
 * Core's built-in {@code full} attention against the attention conformance suite. It lives here
 * rather than in framework-core because the testkit depends on core; a test dependency back
 * would make a cycle. Without a window it is full attention by definition.
 */
class FullAttentionConformanceTest extends AttentionPluginConformance {

    @Override
    protected AttentionPlugin plugin() {
        return new FullAttentionPlugin();
    }

    @Override
    protected PluginConfig config() {
        return PluginConfig.of(Map.of(), "full conformance");
    }

    @Override
    protected Optional<PluginConfig> reducesToFullAttentionWhen() {
        return Optional.of(config());
    }
}
