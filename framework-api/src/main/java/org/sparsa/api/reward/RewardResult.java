package org.sparsa.api.reward;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a reward gives one completion: the value used for training and its named components,
 * each logged as its own metric. A plain reward has no components; a composite has one per
 * part (unweighted), so every part stays visible.
 *
 * @param value the reward
 * @param components named parts of the reward, in a stable order
 */
public record RewardResult(double value, Map<String, Double> components) {
    public RewardResult {
        components = Collections.unmodifiableMap(new LinkedHashMap<>(components));
    }

    /** A result with no components. */
    public static RewardResult of(double value) {
        return new RewardResult(value, Map.of());
    }
}
