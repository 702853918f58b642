package org.sparsa.core.compute.opencl;

import com.aparapi.Kernel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Predicate;
import org.sparsa.core.compute.internal.opencl.AparapiStatics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a bundle's Aparapi kernels go when the bundle revision that defined them goes (an update
 * or uninstall followed by a refresh). Aparapi caches kernels by class and by class name for the
 * life of the JVM, so without this a swapped plugin's new kernel code would silently run the old
 * revision's bytecode or OpenCL binary, and the old revision's class loader could never be
 * collected.
 *
 * <p>Core calls {@link #forget} itself when the framework discards a revision (see
 * {@code docs/architecture.md}, hot swap); code that swaps plugins by other means can call it
 * too. Kernels launched through {@link Launcher} are remembered automatically; a kernel run some
 * other way (say on Aparapi's Java thread pool) can be handed over with {@link #ran}. Only
 * kernels that have run are remembered, because Aparapi may crash the JVM when it disposes a
 * kernel that never ran.
 *
 * <p>Code that goes on using objects of a discarded revision for a while (a run that refused a
 * plugin's new revision keeps training with the old one) {@link #keep}s that revision's class
 * loader: {@link #forget} then leaves its kernels and class-keyed cache entries alone until the
 * keep is released.
 */
public final class KernelCaches {
    private static final Logger LOG = LoggerFactory.getLogger(KernelCaches.class);
    /** Kernels that have run at least once, held weakly: their owner decides their life. */
    private static final Map<Kernel, Boolean> RAN =
            Collections.synchronizedMap(new WeakHashMap<>());

    /** Class loaders kept from {@link #forget}, with how many keeps each has; guarded by itself. */
    private static final Map<ClassLoader, Integer> KEPT = new IdentityHashMap<>();
    /** Kept class loaders that {@link #forget} matched: forgotten when their last keep goes. */
    private static final Map<ClassLoader, Boolean> DEFERRED = new IdentityHashMap<>();

    private KernelCaches() {
    }

    /**
     * Keeps {@link #forget} from disposing the kernels of {@code loader}'s classes or removing
     * their cache entries until the returned keep is released, for code that still runs them
     * after their bundle revision was discarded. The name-keyed caches are still cleared (they
     * refill on demand); kernels already built keep running. Keeps nest.
     */
    public static Kept keep(ClassLoader loader) {
        synchronized (KEPT) {
            KEPT.merge(loader, 1, Integer::sum);
        }
        return new Kept(loader);
    }

    /**
     * Remembers that {@code kernel} has run at least once, so that {@link #forget} may dispose
     * it. Disposing it yourself stays allowed: a disposed kernel is disposed again harmlessly.
     */
    public static void ran(Kernel kernel) {
        RAN.put(kernel, Boolean.TRUE);
    }

    /**
     * Disposes every remembered kernel whose class {@code stale} names by its class loader, and
     * removes from Aparapi's process-wide caches every entry for such a class, along with the
     * name-keyed caches that would otherwise give a same-named class of a new revision the old
     * code. Never throws: a cache that Aparapi's internals no longer offer is logged once and
     * skipped.
     *
     * @param stale whether a class loader is one of a discarded bundle revision (it must not
     *     match loaders still in use: their kernels would be disposed under them)
     * @return what was let go
     */
    public static Forgotten forget(Predicate<ClassLoader> stale) {
        Predicate<ClassLoader> unkept;
        synchronized (KEPT) {
            List<ClassLoader> kept = new ArrayList<>(KEPT.keySet());
            kept.stream().filter(stale).forEach(loader -> DEFERRED.put(loader, Boolean.TRUE));
            unkept = loader -> stale.test(loader) && !kept.contains(loader);
        }
        return forgetNow(unkept);
    }

    private static Forgotten forgetNow(Predicate<ClassLoader> stale) {
        List<Kernel> gone = new ArrayList<>();
        synchronized (RAN) {
            for (Kernel kernel : RAN.keySet()) {
                if (stale.test(kernel.getClass().getClassLoader())) {
                    gone.add(kernel);
                }
            }
            gone.forEach(RAN::remove);
        }
        int disposed = 0;
        for (Kernel kernel : gone) {
            try {
                AparapiStatics.dispose(kernel);
                disposed++;
            } catch (RuntimeException e) {
                LOG.warn("cannot dispose kernel {} of a discarded bundle revision: {}",
                        kernel.getClass().getName(), e.toString());
            }
        }
        int entries = AparapiStatics.forget(stale);
        if (disposed > 0 || entries > 0) {
            LOG.debug("let go of {} kernels and {} Aparapi cache entries of a discarded bundle "
                    + "revision", disposed, entries);
        }
        return new Forgotten(disposed, entries);
    }

    /** {@link #forget} for the classes of exactly one class loader. */
    public static Forgotten forget(ClassLoader loader) {
        return forget(candidate -> candidate == loader);
    }

    /** A class loader kept from {@link #forget}; see {@link #keep}. */
    public static final class Kept {
        private final ClassLoader loader;
        private boolean released;

        private Kept(ClassLoader loader) {
            this.loader = loader;
        }

        /**
         * Ends this keep. When it was the loader's last and {@link #forget} matched the loader
         * meanwhile, the loader is forgotten now.
         *
         * @return what was let go; nothing when the loader stays kept or was not matched
         */
        public Forgotten release() {
            synchronized (KEPT) {
                if (released) {
                    return new Forgotten(0, 0);
                }
                released = true;
                if (KEPT.merge(loader, -1, Integer::sum) > 0) {
                    return new Forgotten(0, 0);
                }
                KEPT.remove(loader);
                if (DEFERRED.remove(loader) == null) {
                    return new Forgotten(0, 0);
                }
            }
            return forget(loader);
        }
    }

    /**
     * What {@link #forget} let go.
     *
     * @param kernels the remembered kernels it disposed
     * @param cacheEntries the class- and name-keyed entries it removed from Aparapi's caches
     *     (the caches it invalidates whole are not counted)
     */
    public record Forgotten(int kernels, int cacheEntries) {
    }
}
