package org.sparsa.core.stage.internal;

import java.util.List;
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
 * Full attention that multiplies its output by NaN in chosen forward passes (counted from 1
 * over all layers), so the loss and every gradient upstream of it turn NaN: how a diverging
 * attention variant looks to the training loop.
 */
final class PoisonedAttention implements AttentionPlugin {
    private final FullAttentionPlugin full = new FullAttentionPlugin();
    private final Set<Integer> poisoned;
    private final int poisonFrom;
    private int calls;

    /**
     * @param poisoned the forward passes that return NaN
     * @param poisonFrom every pass from this one on returns NaN too ({@code Integer.MAX_VALUE}
     *     for none)
     */
    PoisonedAttention(Set<Integer> poisoned, int poisonFrom) {
        this.poisoned = Set.copyOf(poisoned);
        this.poisonFrom = poisonFrom;
    }

    @Override
    public List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig config) {
        return full.parameterSpecs(shape, config);
    }

    @Override
    public AttentionLayer create(AttentionShape shape, PluginConfig config) {
        AttentionLayer layer = full.create(shape, config);
        return new AttentionLayer() {
            @Override
            public Set<String> modes() {
                return layer.modes();
            }

            @Override
            public AttentionOutput forward(AttentionInput input, Parameters parameters,
                    String mode) {
                AttentionOutput out = layer.forward(input, parameters, mode);
                calls++;
                if (calls >= poisonFrom || poisoned.contains(calls)) {
                    Variable poison = out.output().ops().scale(out.output(), Double.NaN);
                    return new AttentionOutput(poison, out.auxiliaryLosses());
                }
                return out;
            }

            @Override
            public KvCache newCache(int batch, int maxLength) {
                return layer.newCache(batch, maxLength);
            }

            @Override
            public Variable decode(AttentionInput input, KvCache cache, Parameters parameters,
                    String mode) {
                return layer.decode(input, cache, parameters, mode);
            }
        };
    }
}
