package org.sparsa.runner.internal.cli;

import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
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
 * Full attention that misbehaves in chosen forward passes (counted from 1 over all layers):
 * it throws, or it returns NaN, as a broken or diverging plugin would.
 */
final class MisbehavingAttention implements AttentionPlugin {
    private final FullAttentionPlugin full = new FullAttentionPlugin();
    private final IntPredicate throwsAt;
    private final IntPredicate nanAt;
    private int calls;

    private MisbehavingAttention(IntPredicate throwsAt, IntPredicate nanAt) {
        this.throwsAt = throwsAt;
        this.nanAt = nanAt;
    }

    /** Throws an {@link ArithmeticException} in the forward passes {@code at} accepts. */
    static MisbehavingAttention throwing(IntPredicate at) {
        return new MisbehavingAttention(at, call -> false);
    }

    /** Returns NaN from the forward passes {@code at} accepts. */
    static MisbehavingAttention nan(IntPredicate at) {
        return new MisbehavingAttention(call -> false, at);
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
                calls++;
                if (throwsAt.test(calls)) {
                    throw new ArithmeticException("boom in call " + calls);
                }
                AttentionOutput out = layer.forward(input, parameters, mode);
                if (nanAt.test(calls)) {
                    return new AttentionOutput(out.output().ops().scale(out.output(),
                            Double.NaN), out.auxiliaryLosses());
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
