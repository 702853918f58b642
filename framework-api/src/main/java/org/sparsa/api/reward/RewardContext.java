package org.sparsa.api.reward;

import org.osgi.annotation.versioning.ProviderType;
import org.sparsa.api.plugin.PluginConfig;

/**
 * What the framework offers a reward while it is made: other rewards and judges by id, so that
 * composites and rubric rewards can be built from plugins they do not know.
 */
@ProviderType
public interface RewardContext {

    /**
     * Makes the reward registered under {@code id} with {@code config}.
     *
     * @throws IllegalArgumentException naming the id and the known ones when none is registered
     */
    RewardFunction reward(String id, PluginConfig config);

    /**
     * Makes the judge registered under {@code id} with {@code config}.
     *
     * @throws IllegalArgumentException naming the id and the known ones when none is registered
     */
    JudgeFunction judge(String id, PluginConfig config);
}
