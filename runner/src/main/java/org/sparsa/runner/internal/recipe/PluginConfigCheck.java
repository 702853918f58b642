package org.sparsa.runner.internal.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginKind;

/**
 * Checks a plugin reference ({@code id} plus {@code config}) against the installed plugins: the
 * id must be registered for its kind, and each config key must be one the plugin declares, with
 * a value of the declared type. Declared defaults are filled in so the resolved recipe shows
 * every value the plugin will see.
 */
final class PluginConfigCheck {
    private final PluginLookup plugins;

    PluginConfigCheck(PluginLookup plugins) {
        this.plugins = plugins;
    }

    /**
     * Reads {@code id} and {@code config} of {@code section}.
     *
     * @param fallbackId the id when none is written, or null when it is required
     */
    PluginRef read(Section section, PluginKind kind, String fallbackId) {
        String id = fallbackId == null && !section.require("id", "a " + kind.id() + " id")
                ? null : section.string("id", fallbackId);
        Section config = section.section("config");
        section.rejectUnknown();
        Map<String, Object> values = id == null ? copy(config)
                : config(config, kind, id, section.path("id"));
        return new PluginRef(id == null ? "" : id, values);
    }

    /** A stage's {@code config:}, checked against stage kind {@code kind}'s declared keys. */
    Map<String, Object> config(Section config, PluginKind kind, String id, String idPath) {
        Optional<List<ConfigKey>> declared = plugins.configKeys(kind, id);
        if (declared.isEmpty()) {
            List<String> known = plugins.ids(kind);
            config.errorAt(idPath, "unknown " + kind.id() + " '" + id + "'"
                    + DidYouMean.closest(id, known).map(s -> " (did you mean '" + s + "'?)")
                            .orElse("")
                    + "; known: " + (known.isEmpty() ? "none installed" : String.join(", ",
                    known)));
            return copy(config);
        }
        Map<String, ConfigKey> keys = new LinkedHashMap<>();
        declared.get().forEach(k -> keys.put(k.name(), k));
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : config.keys()) {
            ConfigKey spec = keys.get(key);
            Object value = config.raw(key);
            if (spec == null) {
                config.error(key, "unknown key for " + kind.id() + " '" + id + "'"
                        + (keys.isEmpty() ? "; it takes no configuration"
                        : DidYouMean.hint(key, keys.keySet())));
                continue;
            }
            Object typed = typed(spec.type(), value);
            if (typed == null && value != null) {
                config.error(key, "expected " + expected(spec.type()) + ", found "
                        + Section.describe(value));
                continue;
            }
            out.put(key, typed);
        }
        for (ConfigKey spec : keys.values()) {
            if (!out.containsKey(spec.name()) && !config.keys().contains(spec.name())
                    && spec.defaultValue() != null) {
                Object fallback = defaultValue(spec);
                if (fallback != null) {
                    out.put(spec.name(), fallback);
                }
            }
        }
        return out;
    }

    private static Object defaultValue(ConfigKey spec) {
        try {
            return typed(spec.type(), YamlValue.parse(spec.defaultValue()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code value} as the declared type, or null when it is not one. */
    static Object typed(String type, Object value) {
        if (value == null) {
            return null;
        }
        return switch (type) {
            case "string" -> value instanceof String || value instanceof Number
                    || value instanceof Boolean ? value.toString() : null;
            case "int" -> {
                Long n = Section.asLong(value);
                yield n == null ? null : n == n.intValue() ? (Object) n.intValue() : n;
            }
            case "double" -> Section.asDouble(value);
            case "boolean" -> Section.asBoolean(value);
            case "list" -> value instanceof List<?> ? value : null;
            case "map" -> value instanceof Map<?, ?> ? value : null;
            default -> value;
        };
    }

    private static String expected(String type) {
        return switch (type) {
            case "string" -> "a string";
            case "int" -> "an integer";
            case "double" -> "a number";
            case "boolean" -> "true or false";
            case "list" -> "a list";
            case "map" -> "a map of keys";
            default -> type;
        };
    }

    private static Map<String, Object> copy(Section config) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : config.keys()) {
            out.put(key, config.raw(key));
        }
        return out;
    }
}
