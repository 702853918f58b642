package org.sparsa.api.stage;

import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.plugin.PluginConfig;

/**
 * A stage kind plugin: recipes name it in a stage's {@code kind:} and it makes the
 * {@link Stage}. Registered with {@code @PluginInfo(kind = PluginKind.STAGE)}.
 */
@ConsumerType
public interface StageKind {

    /**
     * Makes a stage from its configuration.
     *
     * @throws org.sparsa.api.plugin.ConfigException when the configuration is invalid
     */
    Stage create(PluginConfig config);
}
