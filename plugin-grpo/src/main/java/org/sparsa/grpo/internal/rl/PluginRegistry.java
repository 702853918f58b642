package org.sparsa.grpo.internal.rl;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.api.reward.Judge;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;

/**
 * The policy objectives, reward models and judges an {@code rl} stage can name, by plugin id, as
 * the framework's service registry offers them. Also the {@link RewardContext} rewards are made
 * with, so a composite reward reaches its parts the same way.
 */
final class PluginRegistry implements RewardContext {
    private final Map<String, PolicyObjective> objectives = new ConcurrentHashMap<>();
    private final Map<String, RewardModel> rewards = new ConcurrentHashMap<>();
    private final Map<String, Judge> judges = new ConcurrentHashMap<>();

    /** The plugin id a service was registered under, from its properties. */
    static String id(Map<String, ?> properties) {
        Object id = properties.get(PluginProperties.ID);
        if (id == null) {
            throw new IllegalArgumentException("a plugin service without the property "
                    + PluginProperties.ID + ": " + properties);
        }
        return id.toString();
    }

    void addObjective(String id, PolicyObjective objective) {
        objectives.put(id, objective);
    }

    void removeObjective(String id, PolicyObjective objective) {
        objectives.remove(id, objective);
    }

    void addReward(String id, RewardModel reward) {
        rewards.put(id, reward);
    }

    void removeReward(String id, RewardModel reward) {
        rewards.remove(id, reward);
    }

    void addJudge(String id, Judge judge) {
        judges.put(id, judge);
    }

    void removeJudge(String id, Judge judge) {
        judges.remove(id, judge);
    }

    /**
     * The policy objective {@code id}.
     *
     * @throws IllegalArgumentException naming the id and the known ones when none is registered
     */
    PolicyObjective objective(String id) {
        return find("policy objective", objectives, id);
    }

    /**
     * The reward model {@code id}, for a context that makes rewards with itself.
     *
     * @throws IllegalArgumentException naming the id and the known ones when none is registered
     */
    RewardModel rewardModel(String id) {
        return find("reward", rewards, id);
    }

    @Override
    public RewardFunction reward(String id, PluginConfig config) {
        return rewardModel(id).create(config, this);
    }

    @Override
    public JudgeFunction judge(String id, PluginConfig config) {
        return find("judge", judges, id).create(config);
    }

    private static <T> T find(String what, Map<String, T> registered, String id) {
        T found = registered.get(id);
        if (found == null) {
            throw new IllegalArgumentException("rl: unknown " + what + " '" + id + "'; known: "
                    + new TreeMap<>(registered).keySet());
        }
        return found;
    }
}
