package org.sparsa.runner.internal.plugins;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;

/** The plugins registered in the framework, read from service properties only. */
public final class PluginCatalog {
    private final BundleContext context;

    public PluginCatalog(BundleContext context) {
        this.context = context;
    }

    /** Every plugin service, sorted by kind then id. */
    public List<PluginEntry> list() {
        ServiceReference<?>[] references;
        try {
            references = context.getAllServiceReferences(null, PluginProperties.ANY_PLUGIN_FILTER);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("plugin filter is malformed", e);
        }
        List<PluginEntry> entries = new ArrayList<>();
        if (references != null) {
            for (ServiceReference<?> reference : references) {
                entries.add(entry(reference));
            }
        }
        entries.sort(Comparator.comparing(PluginEntry::kind).thenComparing(PluginEntry::id));
        return entries;
    }

    /** The ids registered for {@code kind}, sorted. */
    public List<String> ids(PluginKind kind) {
        return list().stream().filter(e -> e.kind().equals(kind.id())).map(PluginEntry::id)
                .distinct().toList();
    }

    private static PluginEntry entry(ServiceReference<?> reference) {
        Bundle bundle = reference.getBundle();
        String kind = String.valueOf(reference.getProperty(PluginProperties.KIND))
                .toLowerCase(Locale.ROOT);
        return new PluginEntry(kind,
                String.valueOf(reference.getProperty(PluginProperties.ID)),
                bundle == null ? "?" : bundle.getVersion().toString(),
                bundle == null ? "(unregistered)" : bundle.getSymbolicName(),
                bundle == null ? "UNREGISTERED" : BundleStates.name(bundle.getState()),
                String.valueOf(reference.getProperty(PluginProperties.DESCRIPTION)),
                strings(reference.getProperty(PluginProperties.CONFIG)));
    }

    private static List<String> strings(Object value) {
        if (value instanceof String[] array) {
            return List.of(array);
        }
        if (value instanceof String single) {
            return List.of(single);
        }
        return List.of();
    }
}
