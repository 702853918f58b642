package org.sparsa.runner.internal.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.runner.internal.plugins.PluginCatalog;
import org.sparsa.runner.internal.plugins.PluginEntry;

/**
 * The plugins registered in the framework, read once from the {@link PluginCatalog} so that one
 * validation sees one consistent set even while bundles come and go.
 */
public final class RegistryPluginLookup implements PluginLookup {
    private final List<PluginEntry> entries;

    public RegistryPluginLookup(PluginCatalog catalog) {
        this.entries = catalog.list();
    }

    @Override
    public List<String> ids(PluginKind kind) {
        return entries.stream().filter(e -> e.kind().equals(kind.id())).map(PluginEntry::id)
                .distinct().sorted().toList();
    }

    @Override
    public Optional<List<ConfigKey>> configKeys(PluginKind kind, String id) {
        return entries.stream().filter(e -> e.kind().equals(kind.id()) && e.id().equals(id))
                .findFirst().map(e -> {
                    List<ConfigKey> keys = new ArrayList<>();
                    for (String text : e.config()) {
                        try {
                            keys.add(ConfigKey.parse(text));
                        } catch (IllegalArgumentException malformed) {
                            // The plugin's fault, not the recipe's; `sparsa doctor` reports it.
                        }
                    }
                    return keys;
                });
    }
}
