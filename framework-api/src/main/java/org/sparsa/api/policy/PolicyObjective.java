package org.sparsa.api.policy;

import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.plugin.PluginConfig;

/**
 * A policy objective plugin (GRPO, GSPO, …): the service that makes configured
 * {@link PolicyLoss}es. Registered with {@code @PluginInfo(kind = PluginKind.POLICY)}.
 */
@ConsumerType
public interface PolicyObjective {

    /**
     * Makes a loss from its configuration.
     *
     * @throws org.sparsa.api.plugin.ConfigException when the configuration is invalid
     */
    PolicyLoss create(PluginConfig config);
}
