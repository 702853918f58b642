package org.sparsa.runner.internal.sweep;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a sweep: a configuration (a value for every swept key) with one seed.
 *
 * @param number the trial's place in the sweep, from 0
 * @param name the trial's folder name under {@code trials/}: the number, then the short values
 * @param configuration the swept values as {@code key=value} pairs joined by commas, the same
 *     for every seed of the configuration
 * @param parameters each swept key's value as shown in tables and plots: the number or text
 *     itself, or the short name of a mapping
 * @param seed the recipe seed this trial sets, or null when it keeps the recipe's
 * @param overrides the {@code KEY=VALUE} overrides that make the trial's recipe, seed included
 */
public record Trial(int number, String name, String configuration,
        Map<String, String> parameters, Long seed, List<String> overrides) {
    public Trial {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        overrides = List.copyOf(overrides);
    }
}
