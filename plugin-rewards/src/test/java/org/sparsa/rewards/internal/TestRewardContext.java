package org.sparsa.rewards.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.Judge;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.rewards.internal.judge.RuleJudge;

/**
 * A {@link RewardContext} without OSGi: maps ids straight to this bundle's component classes, as
 * the framework would map them to registered services. Extra judges can be added for tests.
 */
public final class TestRewardContext implements RewardContext {
    /** Every reward component of the bundle, by id. */
    public static final Map<String, Supplier<RewardModel>> REWARDS = Map.of(
            "accuracy", AccuracyReward::new,
            "format", FormatReward::new,
            "language_consistency", LanguageConsistencyReward::new,
            "overlong", OverlongReward::new,
            "length", LengthReward::new,
            "composite", CompositeReward::new,
            "rubric", RubricReward::new,
            "arithmetic_steps", ArithmeticStepsReward::new);

    private final Map<String, Supplier<Judge>> judges = new LinkedHashMap<>();

    public TestRewardContext() {
        judges.put("rule", RuleJudge::new);
    }

    /** This context plus a judge {@code id} whose every configuration makes {@code function}. */
    public TestRewardContext withJudge(String id, JudgeFunction function) {
        TestRewardContext copy = new TestRewardContext();
        copy.judges.putAll(judges);
        copy.judges.put(id, () -> config -> function);
        return copy;
    }

    /** A fresh instance of the component class registered as {@code id}. */
    public static RewardModel model(String id) {
        Supplier<RewardModel> model = REWARDS.get(id);
        if (model == null) {
            throw new IllegalArgumentException("no reward '" + id + "'; known: "
                    + new TreeSet<>(REWARDS.keySet()));
        }
        return model.get();
    }

    /** Makes reward {@code id} from {@code config} in this context. */
    public RewardFunction create(String id, Map<String, ?> config) {
        return reward(id, PluginConfig.of(config, "test"));
    }

    @Override
    public RewardFunction reward(String id, PluginConfig config) {
        return model(id).create(config, this);
    }

    @Override
    public JudgeFunction judge(String id, PluginConfig config) {
        Supplier<Judge> judge = judges.get(id);
        if (judge == null) {
            throw new IllegalArgumentException("no judge '" + id + "'; known: "
                    + new TreeSet<>(judges.keySet()));
        }
        return judge.get().create(config);
    }
}
