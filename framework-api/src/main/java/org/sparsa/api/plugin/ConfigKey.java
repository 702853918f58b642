package org.sparsa.api.plugin;

import java.util.Objects;

/**
 * One configuration key a plugin accepts, published in the {@value PluginProperties#CONFIG}
 * service property as {@code name:type[=default] - description}, for example
 * {@code max_len:int=4096 - longest completion in tokens}.
 *
 * @param name the key as written in recipes
 * @param type one of {@code string int double boolean list map}
 * @param defaultValue the default as text, or {@code null} when the key is required or has none
 * @param description what the key controls
 */
public record ConfigKey(String name, String type, String defaultValue, String description) {

    private static final java.util.Set<String> TYPES =
            java.util.Set.of("string", "int", "double", "boolean", "list", "map");

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("config key '" + name + "': unknown type '" + type
                    + "'; expected one of " + new java.util.TreeSet<>(TYPES));
        }
        description = description == null ? "" : description;
    }

    /**
     * Parses the published form {@code name:type[=default] - description}.
     *
     * @throws IllegalArgumentException quoting the text when it does not have that form
     */
    public static ConfigKey parse(String text) {
        String head = text;
        String description = "";
        int dash = text.indexOf(" - ");
        if (dash >= 0) {
            head = text.substring(0, dash);
            description = text.substring(dash + 3).trim();
        }
        int colon = head.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("config key '" + text
                    + "': expected 'name:type[=default] - description'");
        }
        String name = head.substring(0, colon).trim();
        String rest = head.substring(colon + 1).trim();
        String defaultValue = null;
        int eq = rest.indexOf('=');
        if (eq >= 0) {
            defaultValue = rest.substring(eq + 1).trim();
            rest = rest.substring(0, eq).trim();
        }
        return new ConfigKey(name, rest, defaultValue, description);
    }

    /** The published form, the inverse of {@link #parse(String)}. */
    public String format() {
        return name + ":" + type + (defaultValue == null ? "" : "=" + defaultValue)
                + (description.isEmpty() ? "" : " - " + description);
    }
}
