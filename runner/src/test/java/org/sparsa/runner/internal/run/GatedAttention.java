package org.sparsa.runner.internal.run;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.attention.internal.FullAttentionPlugin;

/**
 * A test attention plugin, {@code gated}: full attention times a learnable per-dimension gate
 * {@code gate.weight [gateSize]}, the output scaled by {@code factor}. Revisions differ in the
 * factor (a compatible change) or the gate's size (an incompatible one); {@code failing} makes
 * {@link #create} throw.
 */
final class GatedAttention implements AttentionPlugin {
    static final String ID = "gated";

    private final AttentionPlugin full = new FullAttentionPlugin();
    private final int gateSize;
    private final double factor;
    private final boolean failing;
    /** Layers made so far, as a revision's own bookkeeping would count them. */
    int made;

    GatedAttention(int gateSize, double factor, boolean failing) {
        this.gateSize = gateSize;
        this.factor = factor;
        this.failing = failing;
    }

    @Override
    public List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig config) {
        return List.of(new ParameterSpec("gate.weight", List.of(gateSize), "ones", 0));
    }

    @Override
    public AttentionLayer create(AttentionShape shape, PluginConfig config) {
        if (failing) {
            throw new IllegalStateException("gated attention: no kernel for this device");
        }
        made++;
        AttentionLayer dense = full.create(shape, PluginConfig.empty());
        return new AttentionLayer() {
            @Override
            public Set<String> modes() {
                return dense.modes();
            }

            @Override
            public AttentionOutput forward(AttentionInput input, Parameters parameters,
                    String mode) {
                Variable o = dense.forward(input, parameters, mode).output();
                Variable gated = o.ops().mul(o, parameters.get("gate.weight"));
                return new AttentionOutput(factor == 1 ? gated : o.ops().scale(gated, factor),
                        Map.of());
            }

            @Override
            public KvCache newCache(int batch, int maxLength) {
                return dense.newCache(batch, maxLength);
            }

            @Override
            public Variable decode(AttentionInput input, KvCache cache, Parameters parameters,
                    String mode) {
                return dense.decode(input, cache, parameters, mode);
            }
        };
    }
}
