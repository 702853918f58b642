package org.sparsa.core.compute.opencl;

import com.aparapi.Kernel;
import java.util.ArrayList;
import java.util.Collections;
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
 */
public final class KernelCaches {
    private static final Logger LOG = LoggerFactory.getLogger(KernelCaches.class);
    /** Kernels that have run at least once, held weakly: their owner decides their life. */
    private static final Map<Kernel, Boolean> RAN =
            Collections.synchronizedMap(new WeakHashMap<>());

    private KernelCaches() {
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
