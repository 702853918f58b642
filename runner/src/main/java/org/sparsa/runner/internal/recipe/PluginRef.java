package org.sparsa.runner.internal.recipe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A plugin named in a recipe ({@code attention:}, {@code task:}) with its own configuration,
 * already checked against the keys the plugin declares and with declared defaults filled in.
 *
 * @param id the plugin id within its kind
 * @param config the plugin's configuration, unmodifiable
 */
public record PluginRef(String id, Map<String, Object> config) {
    public PluginRef {
        Objects.requireNonNull(id, "id");
        config = Collections.unmodifiableMap(new LinkedHashMap<>(
                config == null ? Map.of() : config));
    }
}
