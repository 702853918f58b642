package org.sparsa.api.task;

import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.plugin.PluginConfig;

/**
 * A task plugin (a dataset or a synthetic generator such as arithmetic or MQAR): the service
 * that makes configured {@link Task}s. Registered with {@code @PluginInfo(kind = PluginKind.TASK)}.
 */
@ConsumerType
public interface TaskSource {

    /**
     * Makes a task from its configuration.
     *
     * @throws org.sparsa.api.plugin.ConfigException when the configuration is invalid
     */
    Task create(PluginConfig config);
}
