package org.sparsa.core.compute.internal.opencl;

import java.util.function.Predicate;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.wiring.BundleWiring;
import org.sparsa.core.compute.opencl.KernelCaches;

/**
 * Core's bundle activator: whenever the framework discards a bundle revision (the refresh after
 * an update or uninstall turns the bundle UNRESOLVED), it makes {@link KernelCaches} let go of
 * that revision's kernels and Aparapi's cache entries for them, before the new revision starts.
 * It lives in core rather than in the launcher so that every framework hosting core (the
 * {@code sparsa} program, a test's embedded framework, a swap during a run) gets it.
 *
 * <p>Synchronous, so that the caches are clear before a refresh restarts the new revision.
 */
public final class KernelSwapWatcher implements BundleActivator, SynchronousBundleListener {
    private BundleContext context;

    @Override
    public void start(BundleContext context) {
        this.context = context;
        context.addBundleListener(this);
    }

    /**
     * Core stopping means it is refreshed (after every bundle importing it has stopped) or the
     * framework is going down: the kernels of bundles that are no longer active, core's own
     * included, go now, since no listener will see their revisions discarded.
     */
    @Override
    public void stop(BundleContext context) {
        context.removeBundleListener(this);
        Bundle core = context.getBundle();
        KernelCaches.forget(loader -> loader instanceof BundleReference reference
                && (reference.getBundle() == core || !running(reference.getBundle())));
        this.context = null;
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.UNRESOLVED
                || event.getType() == BundleEvent.UNINSTALLED) {
            Bundle bundle = event.getBundle();
            if (context != null && bundle.getBundleId() != context.getBundle().getBundleId()) {
                KernelCaches.forget(discardedRevisionsOf(bundle));
            }
        }
    }

    /**
     * Matches the class loaders of {@code bundle}'s revisions except the current one while it
     * is in use (an uninstalled bundle's revision stays in use until the refresh that follows).
     */
    static Predicate<ClassLoader> discardedRevisionsOf(Bundle bundle) {
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        ClassLoader current = wiring == null || !wiring.isInUse() ? null : wiring.getClassLoader();
        return loader -> loader != current && loader instanceof BundleReference reference
                && reference.getBundle().getBundleId() == bundle.getBundleId();
    }

    private static boolean running(Bundle bundle) {
        return (bundle.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
    }
}
