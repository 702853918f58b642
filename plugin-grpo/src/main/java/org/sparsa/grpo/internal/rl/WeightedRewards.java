package org.sparsa.grpo.internal.rl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardContext;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;

/**
 * The training reward of an {@code rl} stage: the weighted sum of its reward models, each
 * scoring a prompt's group of completions together (so group-level rewards see the group).
 * Every model's unweighted value is kept under its name, and a model's own components under
 * {@code name.component}, so each part can be logged.
 */
final class WeightedRewards {
    private final List<RewardSpec> specs;
    private final List<RewardFunction> functions = new ArrayList<>();

    /** Makes each reward of {@code specs} through {@code context}. */
    WeightedRewards(List<RewardSpec> specs, RewardContext context) {
        this.specs = List.copyOf(specs);
        for (RewardSpec spec : specs) {
            functions.add(context.reward(spec.id(), spec.config()));
        }
    }

    /**
     * What one completion scored.
     *
     * @param total the weighted sum, the reward trained on
     * @param parts each model's value by name, unweighted, and its components as
     *     {@code name.component}
     */
    record Score(double total, Map<String, Double> parts) {
    }

    /** Scores one prompt's completions, in order. */
    List<Score> score(List<Completion> group) {
        List<Double> totals = new ArrayList<>();
        List<Map<String, Double>> parts = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            totals.add(0.0);
            parts.add(new LinkedHashMap<>());
        }
        for (int r = 0; r < functions.size(); r++) {
            RewardSpec spec = specs.get(r);
            List<RewardResult> results = functions.get(r).scoreGroup(group);
            if (results.size() != group.size()) {
                throw new IllegalStateException("rl: reward '" + spec.name() + "' gave "
                        + results.size() + " results for " + group.size() + " completions");
            }
            for (int i = 0; i < group.size(); i++) {
                RewardResult result = results.get(i);
                double value = Double.isFinite(result.value()) ? result.value() : 0;
                totals.set(i, totals.get(i) + spec.weight() * value);
                parts.get(i).put(spec.name(), value);
                for (Map.Entry<String, Double> c : result.components().entrySet()) {
                    parts.get(i).put(spec.name() + "." + c.getKey(), c.getValue());
                }
            }
        }
        List<Score> out = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
            out.add(new Score(totals.get(i), parts.get(i)));
        }
        return out;
    }
}
