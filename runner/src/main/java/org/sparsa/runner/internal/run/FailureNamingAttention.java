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
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.model.AttentionDiagnostics;

/**
 * An attention plugin as one layer of the run's model uses it: whatever the plugin's code
 * throws comes out as an {@link IllegalStateException} that names the plugin (id, bundle and
 * version), the layer and the call, with the plugin's exception suppressed in it; so a failed
 * run or sweep trial says which plugin broke it. Layers that offer {@link AttentionDiagnostics} keep
 * offering them.
 */
final class FailureNamingAttention implements AttentionPlugin {
    private final AttentionPlugin plugin;
    private final String name;
    private final int layer;

    /**
     * @param plugin the plugin's service
     * @param name the plugin as messages name it ({@code attention plugin 'nsa' (bundle 1.0.0)})
     * @param layer the model layer it serves
     */
    FailureNamingAttention(AttentionPlugin plugin, String name, int layer) {
        this.plugin = plugin;
        this.name = name;
        this.layer = layer;
    }

    @Override
    public List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig config) {
        try {
            return plugin.parameterSpecs(shape, config);
        } catch (RuntimeException e) {
            throw failed("parameterSpecs", e);
        }
    }

    @Override
    public AttentionLayer create(AttentionShape shape, PluginConfig config) {
        AttentionLayer created;
        try {
            created = plugin.create(shape, config);
        } catch (RuntimeException e) {
            throw failed("create", e);
        }
        return created instanceof AttentionDiagnostics ? new DiagnosedLayer(created)
                : new Layer(created);
    }

    private IllegalStateException failed(String call, RuntimeException e) {
        // A configuration error already names its key; it is the user's, not the plugin's.
        if (e instanceof ConfigException) {
            throw e;
        }
        // Kept as suppressed, not as the cause: the run reports its failure by the root cause's
        // message, which would drop the plugin's name; the log still shows the whole trace.
        IllegalStateException named = new IllegalStateException(name + " failed in " + call
                + " of layer " + layer + ": " + e);
        named.addSuppressed(e);
        return named;
    }

    /** A layer whose failures name the plugin. */
    private class Layer implements AttentionLayer {
        final AttentionLayer delegate;

        Layer(AttentionLayer delegate) {
            this.delegate = delegate;
        }

        @Override
        public Set<String> modes() {
            return delegate.modes();
        }

        @Override
        public AttentionOutput forward(AttentionInput input, Parameters parameters, String mode) {
            try {
                return delegate.forward(input, parameters, mode);
            } catch (RuntimeException e) {
                throw failed("forward", e);
            }
        }

        @Override
        public KvCache newCache(int batch, int maxLength) {
            try {
                return delegate.newCache(batch, maxLength);
            } catch (RuntimeException e) {
                throw failed("newCache", e);
            }
        }

        @Override
        public Variable decode(AttentionInput input, KvCache cache, Parameters parameters,
                String mode) {
            try {
                return delegate.decode(input, cache, parameters, mode);
            } catch (RuntimeException e) {
                throw failed("decode", e);
            }
        }
    }

    /** A layer that also reports the plugin's measurements at evaluation. */
    private final class DiagnosedLayer extends Layer implements AttentionDiagnostics {
        DiagnosedLayer(AttentionLayer delegate) {
            super(delegate);
        }

        @Override
        public Map<String, Double> diagnose(AttentionInput input, Parameters parameters,
                String mode) {
            try {
                return ((AttentionDiagnostics) delegate).diagnose(input, parameters, mode);
            } catch (RuntimeException e) {
                throw failed("diagnose", e);
            }
        }
    }
}
