package org.sparsa.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.sparsa.api.plugin.PluginConfig;

/**
 * Which attention plugin a layer uses and the plugin's configuration.
 *
 * @param plugin the plugin id ({@code full}, {@code nsa}, {@code dsa})
 * @param config the plugin's configuration, as a recipe would give it (copied, unmodifiable)
 */
public record AttentionChoice(String plugin, Map<String, Object> config) {
    public AttentionChoice {
        Objects.requireNonNull(plugin, "plugin");
        if (plugin.isBlank()) {
            throw new IllegalArgumentException("attention: plugin id must not be blank");
        }
        // LinkedHashMap keeps the recipe's key order; Map.copyOf would lose it.
        config = Collections.unmodifiableMap(new LinkedHashMap<>(
                Objects.requireNonNull(config, "config")));
    }

    /** Dense causal attention with no window, the default of every layer. */
    public static AttentionChoice full() {
        return new AttentionChoice("full", Map.of());
    }

    /** The configuration as the plugin reads it, its errors naming {@code layer}. */
    public PluginConfig pluginConfig(int layer) {
        return PluginConfig.of(config, "model layer " + layer + " attention '" + plugin + "'");
    }
}
