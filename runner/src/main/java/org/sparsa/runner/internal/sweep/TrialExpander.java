package org.sparsa.runner.internal.sweep;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.sparsa.runner.internal.recipe.SweepParameter;
import org.sparsa.runner.internal.recipe.SweepSpec;

/**
 * Turns a sweep into its trials: every configuration of a grid (the first key varies slowest,
 * as written), or up to {@code trials} distinct configurations drawn at random from the sweep's
 * own seed, so the same block always gives the same trials; each configuration once per seed of
 * {@code seeds}.
 */
public final class TrialExpander {
    /** Random draws keep four significant digits: enough to tell values apart, short to read. */
    private static final MathContext DRAWN_DIGITS = new MathContext(4);
    /** How long a trial name's configuration part may grow before it is cut. */
    private static final int MAX_NAME = 48;

    private TrialExpander() {
    }

    /** One swept key's value in a configuration. */
    private record Assignment(String key, Object value, String label) {
    }

    /** The trials of {@code spec}, numbered from 0. */
    public static List<Trial> expand(SweepSpec spec) {
        Map<String, String> shortKeys = shortKeys(List.copyOf(spec.parameters().keySet()));
        List<List<Assignment>> configurations = SweepSpec.RANDOM.equals(spec.method())
                ? random(spec) : grid(spec);
        List<Long> seeds = spec.seeds().isEmpty() ? java.util.Collections.singletonList(null)
                : spec.seeds();
        int count = configurations.size() * seeds.size();
        int digits = Integer.toString(Math.max(0, count - 1)).length();
        List<Trial> trials = new ArrayList<>();
        for (List<Assignment> configuration : configurations) {
            List<String> pairs = new ArrayList<>();
            Map<String, String> parameters = new LinkedHashMap<>();
            List<String> overrides = new ArrayList<>();
            for (Assignment a : configuration) {
                pairs.add(shortKeys.get(a.key()) + "=" + a.label());
                parameters.put(a.key(), a.label());
                overrides.add(a.key() + "=" + SweepValues.text(a.value()));
            }
            String label = String.join(",", pairs);
            for (Long seed : seeds) {
                int number = trials.size();
                List<String> all = new ArrayList<>(overrides);
                String name = folderPart(String.join("_", pairs));
                if (seed != null) {
                    all.add("seed=" + seed);
                    name = name.isEmpty() ? "seed=" + seed : name + "_seed=" + seed;
                }
                trials.add(new Trial(number, String.format(java.util.Locale.ROOT,
                        "%0" + digits + "d-%s", number, name),
                        label, parameters, seed, all));
            }
        }
        return trials;
    }

    private static List<List<Assignment>> grid(SweepSpec spec) {
        List<List<Assignment>> axes = new ArrayList<>();
        spec.parameters().forEach((key, parameter) -> axes.add(choices(key,
                (SweepParameter.Choices) parameter)));
        List<List<Assignment>> out = new ArrayList<>();
        out.add(List.of());
        for (List<Assignment> axis : axes) {
            List<List<Assignment>> next = new ArrayList<>();
            for (List<Assignment> prefix : out) {
                for (Assignment a : axis) {
                    List<Assignment> c = new ArrayList<>(prefix);
                    c.add(a);
                    next.add(c);
                }
            }
            out = next;
        }
        return axes.isEmpty() ? List.of(List.of()) : out;
    }

    /** A list's values with labels that tell them apart, a repeated label taking its place. */
    private static List<Assignment> choices(String key, SweepParameter.Choices choices) {
        List<Assignment> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < choices.values().size(); i++) {
            Object value = choices.values().get(i);
            String label = SweepValues.label(value, i);
            if (!seen.add(label)) {
                label = label + "-" + i;
                seen.add(label);
            }
            out.add(new Assignment(key, SweepValues.unwrap(value), label));
        }
        return out;
    }

    private static List<List<Assignment>> random(SweepSpec spec) {
        SplittableRandom random = new SplittableRandom(spec.randomSeed());
        long space = 1;
        Map<String, List<Assignment>> listed = new LinkedHashMap<>();
        for (Map.Entry<String, SweepParameter> p : spec.parameters().entrySet()) {
            if (p.getValue() instanceof SweepParameter.Choices c) {
                listed.put(p.getKey(), choices(p.getKey(), c));
                int size = c.values().size();
                space = space > Long.MAX_VALUE / size ? Long.MAX_VALUE : space * size;
            } else {
                // A range has no end of values.
                space = Long.MAX_VALUE;
            }
        }
        long wanted = Math.min(spec.trials(), space);
        List<List<Assignment>> out = new ArrayList<>();
        Set<List<String>> drawn = new HashSet<>();
        // Rounded draws can repeat; the bound keeps a tiny continuous range from spinning.
        for (long attempt = 0; out.size() < wanted && attempt < 1000L * spec.trials(); attempt++) {
            List<Assignment> configuration = new ArrayList<>();
            spec.parameters().forEach((key, parameter) -> configuration.add(
                    draw(key, parameter, listed.get(key), random)));
            if (drawn.add(configuration.stream().map(Assignment::label).toList())) {
                out.add(configuration);
            }
        }
        return out;
    }

    private static Assignment draw(String key, SweepParameter parameter, List<Assignment> listed,
            SplittableRandom random) {
        if (parameter instanceof SweepParameter.Choices) {
            return listed.get(random.nextInt(listed.size()));
        }
        Object value;
        if (parameter instanceof SweepParameter.Range r && r.integers()) {
            value = (long) r.low() + random.nextLong((long) r.high() - (long) r.low() + 1);
        } else if (parameter instanceof SweepParameter.Range r) {
            value = round(r.low() + random.nextDouble() * (r.high() - r.low()));
        } else {
            SweepParameter.LogUniform l = (SweepParameter.LogUniform) parameter;
            double log = Math.log(l.low()) + random.nextDouble()
                    * (Math.log(l.high()) - Math.log(l.low()));
            value = round(Math.exp(log));
        }
        return new Assignment(key, value, SweepValues.label(value, 0));
    }

    private static double round(double value) {
        return new BigDecimal(value).round(DRAWN_DIGITS).doubleValue();
    }

    /**
     * Each key's shortest dotted suffix that no other key shares: {@code lr} for
     * {@code stages.0.lr}, unless {@code stages.1.lr} is swept too.
     */
    static Map<String, String> shortKeys(List<String> keys) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : keys) {
            String[] parts = key.split("\\.");
            String shortKey = key;
            for (int take = 1; take <= parts.length; take++) {
                String suffix = String.join(".", java.util.Arrays.copyOfRange(parts,
                        parts.length - take, parts.length));
                boolean shared = keys.stream().anyMatch(other -> !other.equals(key)
                        && (other.equals(suffix) || other.endsWith("." + suffix)));
                if (!shared) {
                    shortKey = suffix;
                    break;
                }
            }
            out.put(key, shortKey);
        }
        return out;
    }

    /** A configuration as part of a folder name: safe characters only, and not too long. */
    private static String folderPart(String text) {
        String safe = text.replaceAll("[^A-Za-z0-9._=+-]", "-");
        return safe.length() > MAX_NAME ? safe.substring(0, MAX_NAME) : safe;
    }
}
