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
 * it throws, returns NaN or never returns, as a broken, diverging or stuck plugin would.
 */
final class MisbehavingAttention implements AttentionPlugin {
    private final FullAttentionPlugin full = new FullAttentionPlugin();
    private final IntPredicate throwsAt;
    private final IntPredicate nanAt;
    private final IntPredicate pausesAt;
    private final long pauseMs;
    private int calls;

    private MisbehavingAttention(IntPredicate throwsAt, IntPredicate nanAt,
            IntPredicate pausesAt, long pauseMs) {
        this.throwsAt = throwsAt;
        this.nanAt = nanAt;
        this.pausesAt = pausesAt;
        this.pauseMs = pauseMs;
    }

    /** Throws an {@link ArithmeticException} in the forward passes {@code at} accepts. */
    static MisbehavingAttention throwing(IntPredicate at) {
        return new MisbehavingAttention(at, call -> false, call -> false, 0);
    }

    /** Returns NaN from the forward passes {@code at} accepts. */
    static MisbehavingAttention nan(IntPredicate at) {
        return new MisbehavingAttention(call -> false, at, call -> false, 0);
    }

    /**
     * Waits in the forward passes {@code at} accepts until its thread is interrupted, then
     * throws; so a test's stuck thread does not outlive the test by long.
     */
    static MisbehavingAttention hanging(IntPredicate at) {
        return pausing(at, Long.MAX_VALUE);
    }

    /** Waits {@code ms} milliseconds in the forward passes {@code at} accepts. */
    static MisbehavingAttention pausing(IntPredicate at, long ms) {
        return new MisbehavingAttention(call -> false, call -> false, at, ms);
    }

    private void pause() {
        try {
            Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hanging", e);
        }
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
                if (pausesAt.test(calls)) {
                    pause();
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
