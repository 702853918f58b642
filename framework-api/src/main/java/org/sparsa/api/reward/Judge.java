package org.sparsa.api.reward;

import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.plugin.PluginConfig;

/**
 * A judge plugin for rubric rewards: the service that makes configured {@link JudgeFunction}s.
 * Registered with {@code @PluginInfo(kind = PluginKind.JUDGE, id = …)}.
 */
@ConsumerType
public interface Judge {

    /**
     * Makes a judge from its configuration.
     *
     * @throws org.sparsa.api.plugin.ConfigException when a key is unknown or has a bad value
     */
    JudgeFunction create(PluginConfig config);
}
