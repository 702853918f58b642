package org.sparsa.core.task.internal;

import java.util.ArrayList;
import java.util.List;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/** Typed, range-checked reads of task configuration keys, each error naming the key. */
final class TaskConfigs {
    private TaskConfigs() {
    }

    /** The integer at {@code key} in [{@code min}, {@code max}], or {@code fallback}. */
    static int integer(PluginConfig config, String key, long fallback, long min, long max) {
        long value = config.integer(key, fallback);
        if (value < min || value > max) {
            throw new ConfigException(config.origin(), key, "expected an integer in [" + min
                    + ", " + max + "], found " + value);
        }
        return (int) value;
    }

    /** The seed at {@code key} (any integer), or {@code fallback}. */
    static long seed(PluginConfig config, String key, long fallback) {
        return config.integer(key, fallback);
    }

    /** The number at {@code key} in [{@code min}, {@code max}], or {@code fallback}. */
    static double number(PluginConfig config, String key, double fallback, double min,
            double max) {
        double value = config.number(key, fallback);
        if (!(value >= min && value <= max)) {
            throw new ConfigException(config.origin(), key, "expected a number in [" + min + ", "
                    + max + "], found " + value);
        }
        return value;
    }

    /**
     * A depth at {@code key}: a number in [0, 1], or {@code random} for a uniform draw per
     * example, returned as NaN.
     */
    static double depth(PluginConfig config, String key, String fallback) {
        String text = config.string(key, fallback).trim();
        if (text.equalsIgnoreCase("random")) {
            return Double.NaN;
        }
        try {
            double value = Double.parseDouble(text);
            if (value >= 0 && value <= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Reported below with what was expected.
        }
        throw new ConfigException(config.origin(), key, "expected a number in [0, 1] (0: start,"
                + " 1: end) or 'random', found '" + text + "'");
    }

    /** The non-blank string at {@code key}, or {@code fallback}. */
    static String text(PluginConfig config, String key, String fallback) {
        String value = config.string(key, fallback);
        if (value == null || value.isBlank()) {
            throw new ConfigException(config.origin(), key, "expected a non-empty string");
        }
        return value;
    }

    /** The numbers listed at {@code key}, each in [{@code min}, {@code max}]; the list non-empty. */
    static List<Double> numbers(PluginConfig config, String key, List<Double> fallback,
            double min, double max) {
        if (!config.has(key)) {
            return fallback;
        }
        List<Object> items = config.list(key);
        if (items.isEmpty()) {
            throw new ConfigException(config.origin(), key, "expected a non-empty list of numbers"
                    + " in [" + min + ", " + max + "]");
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String item = key + "[" + i + "]";
            out.add(number(PluginConfig.of(java.util.Map.of(item, String.valueOf(items.get(i))),
                    config.origin()), item, 0, min, max));
        }
        return List.copyOf(out);
    }
}
