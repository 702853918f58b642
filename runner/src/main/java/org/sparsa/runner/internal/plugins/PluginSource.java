package org.sparsa.runner.internal.plugins;

import org.sparsa.api.plugin.PluginKind;

/**
 * Where a run gets its plugin objects: the OSGi service registry in the distribution
 * ({@link PluginServices}), plain instances in tests.
 */
public interface PluginSource {

    /**
     * The plugin of {@code kind} registered under {@code id}.
     *
     * @throws IllegalArgumentException naming the id and the known ones when there is none
     */
    <S> S get(PluginKind kind, String id, Class<S> type);

    /**
     * The plugin of {@code kind} registered under {@code id} as messages name it: its kind and
     * id, and where known the bundle and version it comes from.
     */
    default String describe(PluginKind kind, String id) {
        return kind.id() + " plugin '" + id + "'";
    }
}
