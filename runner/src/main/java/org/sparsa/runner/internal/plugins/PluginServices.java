package org.sparsa.runner.internal.plugins;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;

/**
 * Gets plugin services by kind and id for the length of one command, and releases every one it
 * got when closed, so no plugin object outlives its use (which would pin an old bundle revision).
 */
public final class PluginServices implements PluginSource, AutoCloseable {
    private final BundleContext context;
    private final List<ServiceReference<?>> taken = new ArrayList<>();

    public PluginServices(BundleContext context) {
        this.context = context;
    }

    /**
     * The service of {@code kind} registered under {@code id}; when several bundles register it,
     * the highest-ranked, as OSGi orders them.
     *
     * @throws IllegalArgumentException naming the id and listing the known ones when none exists
     */
    @Override
    public <S> S get(PluginKind kind, String id, Class<S> type) {
        ServiceReference<?>[] references;
        try {
            references = context.getServiceReferences(type.getName(),
                    PluginProperties.filter(kind, id));
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("invalid " + kind.id() + " id '" + id + "'", e);
        }
        if (references != null) {
            ServiceReference<?> best = Arrays.stream(references).max(Comparator.naturalOrder())
                    .orElseThrow();
            Object service = context.getService(best);
            if (service != null) {
                taken.add(best);
                return type.cast(service);
            }
        }
        throw new IllegalArgumentException("unknown " + kind.id() + " '" + id + "'; known: "
                + String.join(", ", new PluginCatalog(context).ids(kind)));
    }

    /** The bundle context the services come from. */
    public BundleContext bundleContext() {
        return context;
    }

    /** The plugin's kind and id, and the symbolic name and version of its bundle. */
    @Override
    public String describe(PluginKind kind, String id) {
        String plain = PluginSource.super.describe(kind, id);
        try {
            ServiceReference<?>[] references = context.getServiceReferences((String) null,
                    PluginProperties.filter(kind, id));
            if (references == null) {
                return plain;
            }
            Bundle bundle = Arrays.stream(references).max(Comparator.naturalOrder())
                    .orElseThrow().getBundle();
            return bundle == null ? plain : plain + " (" + bundle.getSymbolicName() + " "
                    + bundle.getVersion() + ")";
        } catch (InvalidSyntaxException e) {
            return plain;
        }
    }

    @Override
    public void close() {
        for (ServiceReference<?> reference : taken) {
            context.ungetService(reference);
        }
        taken.clear();
    }
}
