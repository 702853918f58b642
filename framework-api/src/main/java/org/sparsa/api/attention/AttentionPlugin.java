package org.sparsa.api.attention;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.plugin.PluginConfig;

/**
 * An attention variant (full, NSA, DSA, …): the service that declares a layer's parameters and
 * makes {@link AttentionLayer}s. Registered with {@code @PluginInfo(kind = PluginKind.ATTENTION)}.
 */
@ConsumerType
public interface AttentionPlugin {

    /**
     * The parameters one layer needs, beyond the shared q/k/v/o projections.
     *
     * @throws org.sparsa.api.plugin.ConfigException when the configuration is invalid
     */
    List<ParameterSpec> parameterSpecs(AttentionShape shape, PluginConfig config);

    /**
     * Makes the attention of one layer.
     *
     * @throws org.sparsa.api.plugin.ConfigException when the configuration is invalid
     */
    AttentionLayer create(AttentionShape shape, PluginConfig config);
}
