package org.sparsa.runner.internal.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recipe's {@code sweep:} block, validated: which keys vary and how, the seeds each
 * configuration runs with, and the metric that ranks configurations.
 *
 * @param method {@code grid} (every combination of the listed values) or {@code random}
 * @param parameters the swept dotted keys, in the order given
 * @param seeds the recipe seeds each configuration runs with, in order; empty to run each once
 *     with the recipe's own {@code seed}
 * @param trials how many configurations a random sweep draws (at most); 0 for grids
 * @param randomSeed the seed of a random sweep's draws, so that it draws the same again
 * @param metric the key of {@code result.json} that ranks configurations
 * @param goal {@code min} or {@code max}: which end of {@code metric} is best
 */
public record SweepSpec(String method, Map<String, SweepParameter> parameters, List<Long> seeds,
        int trials, long randomSeed, String metric, String goal) {
    /** The method that tries every combination. */
    public static final String GRID = "grid";
    /** The method that draws configurations at random. */
    public static final String RANDOM = "random";
    /** The metric and goal when the block names none: the last training loss. */
    public static final String DEFAULT_METRIC = "loss";
    public static final String DEFAULT_GOAL = "min";

    public SweepSpec {
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        seeds = List.copyOf(seeds);
    }

    /** A grid over nothing yet, for a recipe without a block swept from the command line. */
    public static SweepSpec emptyGrid() {
        return new SweepSpec(GRID, Map.of(), List.of(), 0, 0, DEFAULT_METRIC, DEFAULT_GOAL);
    }

    /** This sweep with {@code more} parameters added, replacing any of the same key. */
    public SweepSpec withParameters(Map<String, SweepParameter> more) {
        Map<String, SweepParameter> all = new LinkedHashMap<>(parameters);
        all.putAll(more);
        return new SweepSpec(method, all, seeds, trials, randomSeed, metric, goal);
    }

    /** Whether larger values of {@link #metric} are better. */
    public boolean maximise() {
        return "max".equals(goal);
    }

    /** The block as a recipe would write it, for {@code sweep.yaml}. */
    public Map<String, Object> raw() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", method);
        Map<String, Object> params = new LinkedHashMap<>();
        parameters.forEach((key, parameter) -> params.put(key, parameter.raw()));
        out.put("parameters", params);
        if (!seeds.isEmpty()) {
            out.put("seeds", seeds);
        }
        if (RANDOM.equals(method)) {
            out.put("trials", trials);
            out.put("seed", randomSeed);
        }
        out.put("metric", metric);
        out.put("goal", goal);
        return out;
    }
}
