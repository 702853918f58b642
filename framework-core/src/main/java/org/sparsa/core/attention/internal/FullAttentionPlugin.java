package org.sparsa.core.attention.internal;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;

/**
 * {@code full}: dense causal softmax attention, the baseline the sparse variants are measured
 * against, on the fused Java or OpenCL kernels. Config {@code window} (default 0) limits each
 * query to its {@code window} most recent keys, its own included. It adds no parameters to the
 * layer's q/k/v/o projections.
 */
@Component(service = AttentionPlugin.class)
@PluginInfo(kind = PluginKind.ATTENTION, id = "full",
        description = "Dense causal softmax attention with grouped-query heads and an optional"
                + " sliding window, on fused Java or OpenCL kernels",
        config = {"window:int=0 - keys each query sees, its own included; 0 means every earlier"
                + " key"})
public final class FullAttentionPlugin implements AttentionPlugin {
    static final String WINDOW = "window";

    @Override
    public List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig config) {
        window(config);
        return List.of();
    }

    @Override
    public AttentionLayer create(AttentionShape shape, PluginConfig config) {
        return new FullAttentionLayer(shape, window(config));
    }

    /** The checked window of {@code config}. */
    static int window(PluginConfig config) {
        config.requireOnly(List.of(WINDOW));
        long window = config.integer(WINDOW, 0);
        if (window < 0 || window > Integer.MAX_VALUE) {
            throw new ConfigException(config.origin(), WINDOW, "expected an integer >= 0 (0 "
                    + "means no window), found " + window);
        }
        return (int) window;
    }
}
