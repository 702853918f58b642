package org.sparsa.api.reward;

import org.osgi.annotation.versioning.ConsumerType;
import org.sparsa.api.plugin.PluginConfig;

/**
 * A reward plugin: the service that makes configured {@link RewardFunction}s. Registered with
 * {@code @PluginInfo(kind = PluginKind.REWARD, id = …)}; recipes name it by that id.
 */
@ConsumerType
public interface RewardModel {

    /**
     * Makes a reward from its configuration.
     *
     * @param config the reward's keys, validated here
     * @param context how to reach other rewards and judges (composites and rubric rewards)
     * @throws org.sparsa.api.plugin.ConfigException when a key is unknown or has a bad value
     */
    RewardFunction create(PluginConfig config, RewardContext context);
}
