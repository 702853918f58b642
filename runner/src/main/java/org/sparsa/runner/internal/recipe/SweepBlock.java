package org.sparsa.runner.internal.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a recipe's {@code sweep:} block into a {@link SweepSpec}, recording every problem with
 * its key and line like the rest of the recipe. Whether each swept key and value suits the
 * recipe is checked later, by validating every trial's recipe.
 */
final class SweepBlock {
    private static final List<String> METHODS = List.of(SweepSpec.GRID, SweepSpec.RANDOM);
    private static final List<String> GOALS = List.of("min", "max");
    private static final String RANGE = "range";
    private static final String LOG_UNIFORM = "log_uniform";

    private SweepBlock() {
    }

    static SweepSpec read(Section s) {
        String method = s.choice("method", SweepSpec.GRID, METHODS);
        boolean random = SweepSpec.RANDOM.equals(method);
        Section params = s.section("parameters");
        Map<String, SweepParameter> parameters = new LinkedHashMap<>();
        for (String key : params.keys()) {
            SweepParameter parameter = parameter(params, key, params.raw(key), random);
            if (parameter != null) {
                parameters.put(key, parameter);
            }
        }
        List<Long> seeds = new ArrayList<>();
        List<Object> given = s.list("seeds");
        for (int i = 0; i < given.size(); i++) {
            Long seed = Section.asLong(given.get(i));
            String at = LocatedYaml.item(s.path("seeds"), i);
            if (seed == null) {
                s.errorAt(at, "expected an integer seed, found " + Section.describe(given.get(i)));
            } else if (seeds.contains(seed)) {
                s.errorAt(at, "seed " + seed + " is listed twice");
            } else {
                seeds.add(seed);
            }
        }
        if (!seeds.isEmpty() && parameters.containsKey("seed")) {
            params.error("seed", "the seed is swept by sweep.seeds already; list the seeds "
                    + "there only");
        }
        int trials = 0;
        long randomSeed = 0;
        if (random) {
            s.require("trials", "the number of configurations to draw, a positive integer");
            trials = s.smallInteger("trials", 1, 1);
            randomSeed = s.integer("seed", 0L);
        } else {
            for (String key : List.of("trials", "seed")) {
                if (s.has(key)) {
                    s.error(key, "only a random sweep takes '" + key + "'; this one is a grid "
                            + "(method: grid)");
                }
            }
        }
        String metric = s.string("metric", null);
        String goal = s.choice("goal", null, GOALS);
        if (metric != null && goal == null && !s.has("goal")) {
            s.error("metric", "missing goal; expected 'goal: min' or 'goal: max' beside it, "
                    + "saying which end of " + metric + " is best");
        }
        s.rejectUnknown();
        return new SweepSpec(method, parameters, seeds, trials, randomSeed,
                metric == null ? SweepSpec.DEFAULT_METRIC : metric,
                goal == null ? SweepSpec.DEFAULT_GOAL : goal);
    }

    private static SweepParameter parameter(Section params, String key, Object value,
            boolean random) {
        if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                params.error(key, "expected at least one value");
                return null;
            }
            for (int i = 0; i < list.size(); i++) {
                checkLabelled(params, LocatedYaml.item(params.path(key), i), list.get(i));
            }
            return new SweepParameter.Choices(new ArrayList<>(list));
        }
        if (value instanceof Map<?, ?> map && map.size() == 1
                && (map.containsKey(RANGE) || map.containsKey(LOG_UNIFORM))) {
            Section range = params.section(key);
            boolean log = map.containsKey(LOG_UNIFORM);
            String kind = log ? LOG_UNIFORM : RANGE;
            if (!random) {
                params.error(key, "a " + kind + " has no end of grid points; list the values, "
                        + "or make the sweep random (method: random, trials: N)");
                return null;
            }
            List<Object> bounds = range.list(kind);
            Double low = bounds.size() == 2 ? Section.asDouble(bounds.get(0)) : null;
            Double high = bounds.size() == 2 ? Section.asDouble(bounds.get(1)) : null;
            if (low == null || high == null || low >= high) {
                range.error(kind, "expected [low, high], two numbers with low below high, found "
                        + bounds);
                return null;
            }
            if (log) {
                if (low <= 0) {
                    range.error(kind, "expected bounds above 0 for a log-uniform draw, found "
                            + bounds);
                    return null;
                }
                return new SweepParameter.LogUniform(low, high);
            }
            boolean integers = Section.asLong(bounds.get(0)) != null
                    && Section.asLong(bounds.get(1)) != null
                    && !(bounds.get(0) instanceof Double) && !(bounds.get(1) instanceof Double);
            return new SweepParameter.Range(low, high, integers);
        }
        params.error(key, "expected a list of values" + (random ? ", {range: [low, high]} or "
                + "{log_uniform: [low, high]}" : " (a grid's points)") + ", found "
                + Section.describe(value) + "; a single value is an override, not a sweep");
        return null;
    }

    /** A value written {@code {name: ..., value: ...}} must have both, the name a short text. */
    private static void checkLabelled(Section params, String at, Object value) {
        if (value instanceof Map<?, ?> map && map.containsKey("value")
                && map.keySet().stream().allMatch(k -> k.equals("name") || k.equals("value"))) {
            Object name = map.get("name");
            if (!(name instanceof String text) || text.isBlank()) {
                params.errorAt(at, "a labelled value {name: N, value: V} needs a name, found "
                        + Section.describe(name));
            }
        }
    }
}
