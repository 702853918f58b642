package org.sparsa.rewards.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;

/**
 * A configured composite: value = sum of weight * part value; components = every part's
 * unweighted value under its name, each followed by that part's own components as
 * {@code name.sub}, in part order. It is group-level when any part is, and then scores a group
 * part by part, each part seeing the whole group. Immutable, so safe from several threads.
 */
final class CompositeRewardFunction implements RewardFunction {
    private final List<CompositePart> parts;
    private final boolean groupLevel;

    CompositeRewardFunction(List<CompositePart> parts) {
        this.parts = List.copyOf(parts);
        this.groupLevel = parts.stream().anyMatch(part -> part.function().groupLevel());
    }

    @Override
    public RewardResult score(Completion completion) {
        List<RewardResult> results = new ArrayList<>(parts.size());
        for (CompositePart part : parts) {
            results.add(part.function().score(completion));
        }
        return combine(results);
    }

    @Override
    public List<RewardResult> scoreGroup(List<Completion> group) {
        List<List<RewardResult>> byPart = new ArrayList<>(parts.size());
        for (CompositePart part : parts) {
            List<RewardResult> results = part.function().scoreGroup(group);
            if (results.size() != group.size()) {
                throw new IllegalStateException("composite part '" + part.name() + "' returned "
                        + results.size() + " results for a group of " + group.size());
            }
            byPart.add(results);
        }
        List<RewardResult> out = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
            List<RewardResult> results = new ArrayList<>(parts.size());
            for (List<RewardResult> partResults : byPart) {
                results.add(partResults.get(i));
            }
            out.add(combine(results));
        }
        return out;
    }

    @Override
    public boolean groupLevel() {
        return groupLevel;
    }

    /** Combines one completion's part results, given in part order. */
    private RewardResult combine(List<RewardResult> results) {
        double value = 0.0;
        Map<String, Double> components = new LinkedHashMap<>();
        for (int p = 0; p < parts.size(); p++) {
            CompositePart part = parts.get(p);
            RewardResult result = results.get(p);
            value += part.weight() * result.value();
            components.put(part.name(), result.value());
            result.components().forEach((sub, v) -> components.put(part.name() + "." + sub, v));
        }
        return new RewardResult(value, components);
    }
}
