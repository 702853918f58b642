package org.sparsa.runner.internal.recipe;

import java.util.List;
import java.util.Optional;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginKind;

/**
 * What recipe validation needs to know of the installed plugins: their ids by kind and the
 * configuration keys each declares. The runner answers from the OSGi service registry
 * ({@link RegistryPluginLookup}); tests pass a fixed one.
 */
public interface PluginLookup {

    /** The ids registered for {@code kind}, sorted. */
    List<String> ids(PluginKind kind);

    /** The keys the plugin declares, or empty when no plugin of that kind and id exists. */
    Optional<List<ConfigKey>> configKeys(PluginKind kind, String id);
}
