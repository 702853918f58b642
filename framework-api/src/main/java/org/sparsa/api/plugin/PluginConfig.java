package org.sparsa.api.plugin;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration handed to a plugin: a read-only map from keys to values as they came from a
 * recipe (strings, numbers, booleans, lists, nested maps), with typed getters whose errors name
 * the origin, the key and the expected type. Immutable.
 */
public final class PluginConfig {
    private static final PluginConfig EMPTY = new PluginConfig(Map.of(), "defaults");

    private final Map<String, Object> values;
    private final String origin;

    private PluginConfig(Map<String, Object> values, String origin) {
        this.values = values;
        this.origin = origin;
    }

    /**
     * A configuration over {@code values} (copied).
     *
     * @param origin where it came from, used in error messages ({@code recipe.yaml:12})
     */
    public static PluginConfig of(Map<String, ?> values, String origin) {
        return new PluginConfig(Collections.unmodifiableMap(new LinkedHashMap<>(values)), origin);
    }

    /** The empty configuration: every getter returns its default. */
    public static PluginConfig empty() {
        return EMPTY;
    }

    /** Where this configuration came from. */
    public String origin() {
        return origin;
    }

    /** The keys present, in their original order. */
    public Set<String> keys() {
        return values.keySet();
    }

    /** The raw values, unmodifiable. */
    public Map<String, Object> asMap() {
        return values;
    }

    /** Whether {@code key} is present with a non-null value. */
    public boolean has(String key) {
        return values.get(key) != null;
    }

    /**
     * Rejects keys outside {@code known}.
     *
     * @throws ConfigException naming the first unknown key and listing the known ones
     */
    public PluginConfig requireOnly(Collection<String> known) {
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException(origin, key,
                        "unknown key; expected one of " + new TreeSet<>(known));
            }
        }
        return this;
    }

    /** The string at {@code key}, or {@code fallback} when absent. Numbers are turned to text. */
    public String string(String key, String fallback) {
        Object value = values.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        throw wrongType(key, value, "a string");
    }

    /**
     * The string at {@code key}, or {@code fallback} when absent, checked to name a file or
     * folder this platform can open (no NUL character, for one), so that a bad path is refused
     * when the configuration is read rather than when the plugin opens it.
     *
     * @throws ConfigException naming {@code key} when the value is not a path here
     * @since 1.1
     */
    public String path(String key, String fallback) {
        String value = string(key, fallback);
        if (value != null) {
            try {
                Path.of(value);
            } catch (InvalidPathException e) {
                throw new ConfigException(origin, key, "expected a file or folder path, found "
                        + "one this system cannot open: " + e.getReason());
            }
        }
        return value;
    }

    /** The integer at {@code key}, or {@code fallback} when absent. */
    public long integer(String key, long fallback) {
        Object value = values.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
                && Math.abs(number.doubleValue()) < 0x1p53) {
            return number.longValue();
        }
        if (value instanceof String text) {
            try {
                return Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                throw wrongType(key, value, "an integer");
            }
        }
        throw wrongType(key, value, "an integer");
    }

    /** The number at {@code key}, or {@code fallback} when absent. */
    public double number(String key, double fallback) {
        Object value = values.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof String text) {
            try {
                return Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                throw wrongType(key, value, "a number");
            }
        }
        throw wrongType(key, value, "a number");
    }

    /** The boolean at {@code key} ({@code true}/{@code false}), or {@code fallback} when absent. */
    public boolean bool(String key, boolean fallback) {
        Object value = values.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean flag) {
            return flag;
        }
        if (value instanceof String text) {
            if (text.equalsIgnoreCase("true")) {
                return true;
            }
            if (text.equalsIgnoreCase("false")) {
                return false;
            }
        }
        throw wrongType(key, value, "true or false");
    }

    /** The list at {@code key}, or an empty list when absent. */
    public List<Object> list(String key) {
        Object value = values.get(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return Collections.unmodifiableList(new ArrayList<>(list));
        }
        throw wrongType(key, value, "a list");
    }

    /** The nested map at {@code key} as a configuration, or the empty one when absent. */
    public PluginConfig section(String key) {
        Object value = values.get(key);
        if (value == null) {
            return new PluginConfig(Map.of(), origin + " > " + key);
        }
        return asSection(key, value);
    }

    /** The list of maps at {@code key}, each as a configuration; empty when absent. */
    public List<PluginConfig> sections(String key) {
        List<Object> items = list(key);
        List<PluginConfig> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            out.add(asSection(key + "[" + i + "]", items.get(i)));
        }
        return out;
    }

    private PluginConfig asSection(String key, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw wrongType(key, value, "a map");
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(String.valueOf(k), v));
        return new PluginConfig(Collections.unmodifiableMap(copy), origin + " > " + key);
    }

    private ConfigException wrongType(String key, Object value, String expected) {
        String shown = String.valueOf(value);
        if (shown.length() > 60) {
            shown = shown.substring(0, 57) + "...";
        }
        return new ConfigException(origin, key, "expected " + expected + ", found '" + shown + "'");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PluginConfig config && config.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values + " (" + origin + ")";
    }
}
