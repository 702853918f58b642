package org.sparsa.nsa.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.testkit.conformance.AttentionPluginConformance;

/**
 * NSA against the attention conformance suite: blocks of 4 with stride 2, selection blocks of 4
 * of which each query takes 3, a window of 5, so that at 13 positions the selection and the
 * window both leave keys out.
 */
class NsaConformanceTest extends AttentionPluginConformance {

    private static PluginConfig config(int selectCount, int window) {
        Map<String, Object> values = new HashMap<>(Map.of("block_len", 4, "stride", 2,
                "select_block", 4, "select_count", selectCount, "window", window,
                "compress", "linear"));
        return PluginConfig.of(values, "nsa conformance");
    }

    @Override
    protected AttentionPlugin plugin() {
        return new NsaPlugin();
    }

    @Override
    protected PluginConfig config() {
        return config(3, 5);
    }

    /** Nine positions make three selection blocks, all of which a query of 3 selects. */
    @Override
    protected int gradientCheckLength() {
        return 9;
    }

    /**
     * With every selection block selected the selected branch is full causal attention; the
     * gates then pass that branch alone.
     */
    @Override
    protected Optional<PluginConfig> reducesToFullAttentionWhen() {
        return Optional.of(config((length() + 3) / 4, 5));
    }

    /**
     * Gate weights 0 and biases (-100, 100, -100) per head: the selected branch's gate is 1 and
     * the others are below 1e-43, far under the tolerance.
     */
    @Override
    protected void prepareFullAttentionParameters(Parameters parameters) {
        Arrays.fill(DenseTensor.of(parameters.get(NsaLayer.GATE_WEIGHT).value()).data(), 0f);
        float[] bias = DenseTensor.of(parameters.get(NsaLayer.GATE_BIAS).value()).data();
        for (int i = 0; i < bias.length; i++) {
            bias[i] = i % 3 == 1 ? 100f : -100f;
        }
    }
}
