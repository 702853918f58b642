package org.sparsa.runner.internal.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.runner.internal.plugins.BundleStates;

/**
 * Watches the OSGi registry for the attention plugins a run's model uses, so that a plugin jar
 * replaced in {@code bundles/plugins/} (FileInstall updates and refreshes its bundle) reaches
 * the run at the next step boundary.
 *
 * <p>When a bundle providing a plugin in use starts to stop, the framework's thread waits here
 * (synchronously, before the bundle stops) until the training thread has reached a step
 * boundary and parked: no step runs old code while its bundle is stopped, refreshed and its
 * kernels disposed. The parked training thread then waits until the bundle has been quiet for
 * {@link #QUIET_MS} (an update and the refresh after it come as one burst of events) and the
 * plugin is registered again, or it is clear that it will not be (the bundle did not resolve,
 * was uninstalled, or {@link #RETURN_MS} passed), and hands over what it found.
 */
final class PluginSwaps implements PluginRevisions, ServiceListener, SynchronousBundleListener {
    /** How long a changed bundle must be quiet before the run looks at what it offers now. */
    static final long QUIET_MS = 1500;
    /** How long the run waits at a boundary for a plugin in use to be registered again. */
    static final long RETURN_MS = 30_000;
    /** How long a bundle change waits for the running step to end. */
    static final long HOLD_MS = 300_000;

    private static final Logger LOG = LoggerFactory.getLogger(PluginSwaps.class);

    /** A plugin in use: its service, its version, and the bundles whose changes concern it. */
    private record InUse(ServiceReference<?> reference, String version, Set<Long> bundles) {
    }

    /**
     * A plugin in use whose service went away, and what the registry offers for it now: a
     * service, or the version of the revision that failed and why.
     */
    private record Change(String pluginId, InUse old, ServiceReference<?> offered,
            String failedVersion, String failure) {
    }

    private final BundleContext context;
    // Guarded by this, like every field below.
    private final Map<String, InUse> inUse = new LinkedHashMap<>();
    private final Set<String> changing = new LinkedHashSet<>();
    private final Map<PluginRevision, ServiceReference<?>> offered = new IdentityHashMap<>();
    private final List<ServiceReference<?>> taken = new ArrayList<>();
    private long lastChange = System.nanoTime();
    private boolean stopsAtSteps;
    private boolean parked;
    private boolean closed;

    /**
     * Starts watching the plugins {@code pluginIds} as registered now.
     *
     * @throws IllegalStateException naming the id when one is not registered
     */
    PluginSwaps(BundleContext context, Collection<String> pluginIds) {
        this.context = context;
        synchronized (this) {
            for (String id : new LinkedHashSet<>(pluginIds)) {
                ServiceReference<?> reference = lookup(id);
                if (reference == null) {
                    throw new IllegalStateException("attention plugin '" + id + "' is not "
                            + "registered");
                }
                inUse.put(id, new InUse(reference, version(reference),
                        new HashSet<>(Set.of(reference.getBundle().getBundleId()))));
            }
        }
        try {
            context.addServiceListener(this, "(objectClass=" + AttentionPlugin.class.getName()
                    + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        context.addBundleListener(this);
    }

    @Override
    public void serviceChanged(ServiceEvent event) {
        String id = String.valueOf(event.getServiceReference().getProperty(PluginProperties.ID));
        synchronized (this) {
            InUse plugin = inUse.get(id);
            if (plugin == null) {
                return;
            }
            lastChange = System.nanoTime();
            if (event.getType() == ServiceEvent.UNREGISTERING
                    && event.getServiceReference().equals(plugin.reference())
                    && changing.add(id)) {
                LOG.info("attention plugin '{}' {} is going away; the run takes up its next "
                        + "revision at the next step boundary", id, plugin.version());
            } else if (event.getType() == ServiceEvent.REGISTERED
                    && plugin.reference().getBundle() == null) {
                // The revision in use is long gone (an earlier swap was refused): a revision
                // registered now is the next candidate.
                changing.add(id);
            }
            notifyAll();
        }
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        long bundle = event.getBundle().getBundleId();
        synchronized (this) {
            List<String> ids = inUse.entrySet().stream()
                    .filter(e -> e.getValue().bundles().contains(bundle))
                    .map(Map.Entry::getKey).toList();
            if (ids.isEmpty() || closed) {
                return;
            }
            lastChange = System.nanoTime();
            notifyAll();
            if (event.getType() == BundleEvent.STOPPING
                    || event.getType() == BundleEvent.UNINSTALLED) {
                changing.addAll(ids);
                holdUntilParked(event.getBundle(), ids);
            }
        }
    }

    /**
     * Keeps the framework's thread (and so the bundle's stop, update and refresh) waiting until
     * the training thread is parked at a step boundary, when the stage stops at those.
     */
    private void holdUntilParked(Bundle bundle, List<String> ids) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOLD_MS);
        while (stopsAtSteps && !parked && !closed && System.nanoTime() < deadline) {
            try {
                wait(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (stopsAtSteps && !parked && !closed) {
            LOG.warn("bundle {} {} provides attention plugin(s) {} in use; the running step did "
                    + "not end within {} s, so it goes on with the old revision while the "
                    + "bundle changes", bundle.getSymbolicName(), bundle.getVersion(), ids,
                    HOLD_MS / 1000);
        }
    }

    @Override
    public List<PluginRevision> atStepBoundary() {
        synchronized (this) {
            stopsAtSteps = true;
        }
        return atBoundary();
    }

    @Override
    public List<PluginRevision> atStageBoundary() {
        return atBoundary();
    }

    private List<PluginRevision> atBoundary() {
        List<Change> changes;
        synchronized (this) {
            if (changing.isEmpty() || closed) {
                return List.of();
            }
            parked = true;
            notifyAll();
            try {
                long since = System.nanoTime();
                while (!settled(since) && !closed) {
                    wait(100);
                }
                changes = new ArrayList<>();
                for (String id : changing) {
                    changes.add(change(id, since));
                }
                changing.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            } finally {
                parked = false;
            }
        }
        // Outside the lock: activating the new component may need the framework's locks, which
        // a thread waiting in bundleChanged could hold.
        List<PluginRevision> revisions = new ArrayList<>();
        for (Change change : changes) {
            if (change.offered() != null && change.offered().equals(change.old().reference())) {
                continue;
            }
            PluginRevision revision = revision(change);
            if (revision != null) {
                revisions.add(revision);
            }
        }
        return revisions;
    }

    private PluginRevision revision(Change change) {
        String from = change.old().version();
        if (change.offered() == null) {
            return new PluginRevision(change.pluginId(), from, change.failedVersion(), null,
                    change.failure());
        }
        String to = version(change.offered());
        Object service;
        try {
            service = context.getService(change.offered());
        } catch (IllegalStateException | SecurityException e) {
            service = null;
        }
        if (!(service instanceof AttentionPlugin plugin)) {
            if (service != null) {
                context.ungetService(change.offered());
            }
            return new PluginRevision(change.pluginId(), from, to, null, "the new revision did "
                    + "not start: its component did not activate (the log says why)");
        }
        PluginRevision revision = new PluginRevision(change.pluginId(), from, to, plugin, null);
        synchronized (this) {
            taken.add(change.offered());
            offered.put(revision, change.offered());
        }
        return revision;
    }

    /**
     * Whether the bundles of every changing plugin have been quiet long enough and each plugin
     * is registered again or will not be soon.
     */
    private boolean settled(long since) {
        long now = System.nanoTime();
        if (now - lastChange < TimeUnit.MILLISECONDS.toNanos(QUIET_MS)) {
            return false;
        }
        if (now - since >= TimeUnit.MILLISECONDS.toNanos(RETURN_MS)) {
            return true;
        }
        for (String id : changing) {
            if (lookup(id) == null && failure(inUse.get(id)) == null) {
                return false;
            }
        }
        return true;
    }

    private Change change(String id, long since) {
        InUse old = inUse.get(id);
        ServiceReference<?> reference = lookup(id);
        if (reference != null) {
            return new Change(id, old, reference, null, null);
        }
        String failure = failure(old);
        String version = "none";
        for (long bundleId : old.bundles()) {
            Bundle bundle = context.getBundle(bundleId);
            if (bundle != null && bundle.getState() != Bundle.UNINSTALLED) {
                version = bundle.getVersion().toString();
            }
        }
        return new Change(id, old, null, version, failure != null ? failure : "no bundle "
                + "registered it again within " + TimeUnit.NANOSECONDS.toSeconds(
                        System.nanoTime() - since) + " s");
    }

    /**
     * Why a plugin's bundles offer it no more, when that is final: none is left, or none is
     * resolved; null while one may still register it.
     */
    private String failure(InUse plugin) {
        List<String> states = new ArrayList<>();
        for (long id : plugin.bundles()) {
            Bundle bundle = context.getBundle(id);
            if (bundle == null || bundle.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            if (bundle.getState() != Bundle.INSTALLED) {
                return null;
            }
            states.add(bundle.getSymbolicName() + " " + bundle.getVersion() + " is "
                    + BundleStates.name(bundle.getState()));
        }
        if (states.isEmpty()) {
            return "its bundle was uninstalled and no other bundle offers it";
        }
        return "the new revision did not resolve (" + String.join(", ", states)
                + "; `sparsa doctor` names the missing requirement)";
    }

    @Override
    public synchronized void stageEnded() {
        stopsAtSteps = false;
        notifyAll();
    }

    @Override
    public void accepted(PluginRevision revision) {
        ServiceReference<?> reference;
        ServiceReference<?> old;
        synchronized (this) {
            reference = offered.remove(revision);
            if (reference == null) {
                return;
            }
            InUse previous = inUse.get(revision.pluginId());
            old = previous.reference();
            Set<Long> bundles = new HashSet<>(previous.bundles());
            bundles.add(reference.getBundle().getBundleId());
            inUse.put(revision.pluginId(), new InUse(reference, revision.to(), bundles));
            taken.remove(old);
        }
        context.ungetService(old);
    }

    @Override
    public void refused(PluginRevision revision) {
        ServiceReference<?> reference;
        synchronized (this) {
            reference = offered.remove(revision);
            if (reference == null) {
                return;
            }
            taken.remove(reference);
            // Changes of the refused revision's bundle concern the plugin too: a later
            // revision replaces it there.
            Bundle bundle = reference.getBundle();
            if (bundle != null) {
                inUse.get(revision.pluginId()).bundles().add(bundle.getBundleId());
            }
        }
        context.ungetService(reference);
    }

    @Override
    public void close() {
        List<ServiceReference<?>> release;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
            release = new ArrayList<>(taken);
            taken.clear();
        }
        context.removeBundleListener(this);
        context.removeServiceListener(this);
        release.forEach(context::ungetService);
    }

    /** The highest-ranked registered service of attention plugin {@code id}, or null. */
    private ServiceReference<?> lookup(String id) {
        try {
            ServiceReference<?>[] references = context.getServiceReferences(
                    AttentionPlugin.class.getName(),
                    PluginProperties.filter(PluginKind.ATTENTION, id));
            return references == null ? null
                    : Arrays.stream(references).max(Comparator.naturalOrder()).orElse(null);
        } catch (InvalidSyntaxException | IllegalStateException e) {
            return null;
        }
    }

    private static String version(ServiceReference<?> reference) {
        Bundle bundle = reference.getBundle();
        return bundle == null ? "unknown" : bundle.getVersion().toString();
    }
}
