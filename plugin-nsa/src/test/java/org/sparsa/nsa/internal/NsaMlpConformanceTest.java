package org.sparsa.nsa.internal;

import java.util.HashMap;
import java.util.Map;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.testkit.conformance.AttentionPluginConformance;

/**
 * NSA with the MLP compressor and keys and values of its own for the selected and window
 * branches, against the attention conformance suite. Those keys are not the model's, so this
 * setting never reduces to full attention over them.
 */
class NsaMlpConformanceTest extends AttentionPluginConformance {

    @Override
    protected AttentionPlugin plugin() {
        return new NsaPlugin();
    }

    @Override
    protected PluginConfig config() {
        return PluginConfig.of(new HashMap<>(Map.of("block_len", 4, "stride", 2,
                "select_block", 4, "select_count", 3, "window", 5, "compress", "mlp",
                "independent_kv", true)), "nsa conformance, mlp, independent kv");
    }

    /** Nine positions make three selection blocks, all of which a query of 3 selects. */
    @Override
    protected int gradientCheckLength() {
        return 9;
    }
}
