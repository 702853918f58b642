package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import com.aparapi.internal.kernel.KernelManager;
import com.aparapi.internal.kernel.KernelRunner;
import com.aparapi.internal.model.ClassModel;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aparapi 3.0.2's process-wide caches, cleared of what a discarded bundle revision left there.
 * Aparapi keys some caches by kernel class, which keeps the revision's class loader alive, and
 * others by class name, which hands the next revision with the same names the old bytecode or
 * the old OpenCL binary, so that the old kernel code keeps running silently:
 * <ul>
 *   <li>{@code KernelRunner.openCLCache} (class to generated OpenCL source) and
 *       {@code KernelManager}'s {@code preferences}, {@code profiles} and
 *       {@code sharedInstances} (class to devices, profile, shared instance): entries whose
 *       class is stale are removed;</li>
 *   <li>{@code ClassModel}'s class-model cache and {@code Kernel}'s method-flag caches
 *       ({@code ValueCache}s keyed by class): invalidated whole, they refill on demand;</li>
 *   <li>BCEL's global {@code Repository} (class name to parsed bytecode, read by
 *       {@code ClassModel}): cleared whole;</li>
 *   <li>{@code KernelRunner.seenBinaryKeys} ({@code "class name:device id"}): the stale
 *       names' keys are removed. The native side keeps its binaries under the same keys, never
 *       drops one, and reuses it whenever the key comes again (even when the Java side forgot
 *       the key: disposing any OpenCL kernel empties {@code seenBinaryKeys}). So once a stale
 *       class had OpenCL generated, binary caching is switched off for the rest of the JVM
 *       ({@code KernelRunner.BINARY_CACHING_DISABLED}); each new kernel instance is then built
 *       from its OpenCL source.</li>
 * </ul>
 * Private fields are reached by reflection: Aparapi runs from the launcher class path, outside
 * any module, so they are accessible. Where Aparapi's internals differ, a cache that cannot be
 * reached is logged once and skipped; clearing never throws.
 */
public final class AparapiStatics {
    private static final Logger LOG = LoggerFactory.getLogger(AparapiStatics.class);
    private static final String BCEL_REPOSITORY = "org.apache.bcel.Repository";
    /** The caches already reported as unreachable, so that each is logged once. */
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private AparapiStatics() {
    }

    /**
     * Removes every entry that refers to a class {@code stale} says is gone, and the
     * name-keyed caches that could hand such a class's bytecode or binary to a new class of the
     * same name.
     *
     * @param stale whether a class loader belongs to a discarded bundle revision
     * @return how many class- or name-keyed entries were removed
     */
    public static synchronized int forget(Predicate<ClassLoader> stale) {
        Set<String> staleNames = new HashSet<>();
        int removed = removeStaleKeys("KernelRunner.openCLCache",
                () -> (Map<?, ?>) staticField(KernelRunner.class, "openCLCache"), stale,
                staleNames);
        // A class with generated OpenCL has (with binary caching on) a native binary under its
        // name; seenBinaryKeys may no longer say so, as disposing any kernel empties it.
        if (!staleNames.isEmpty()) {
            disableBinaryCaching();
        }
        KernelManager manager = KernelManager.instance();
        for (String name : new String[] {"preferences", "profiles", "sharedInstances"}) {
            removed += removeStaleKeys("KernelManager." + name,
                    () -> (Map<?, ?>) instanceField(manager, name), stale, staleNames);
        }
        removed += removeBinaryKeys(staleNames);
        attempt("ClassModel class-model cache", () -> {
            ClassModel.invalidateCaches();
            return null;
        });
        invalidateKernelValueCaches();
        attempt("BCEL Repository", () -> {
            Class<?> repository = Class.forName(BCEL_REPOSITORY, true,
                    ClassModel.class.getClassLoader());
            repository.getMethod("clearCache").invoke(null);
            return null;
        });
        return removed;
    }

    /**
     * Disposes {@code kernel} and shuts down the Java thread pool Aparapi gave its runner:
     * {@code Kernel.dispose()} leaves the pool running, and its idle worker threads keep the
     * kernel's class loader reachable until they time out.
     */
    public static void dispose(Kernel kernel) {
        ForkJoinPool pool = attempt("KernelRunner.threadPool", () -> {
            Object runner = instanceField(Kernel.class, kernel, "kernelRunner");
            return runner == null ? null
                    : (ForkJoinPool) instanceField(KernelRunner.class, runner, "threadPool");
        });
        kernel.dispose();
        if (pool != null) {
            pool.shutdown();
        }
    }

    private static int removeStaleKeys(String cache, Reflective<Map<?, ?>> map,
            Predicate<ClassLoader> stale, Set<String> staleNames) {
        Map<?, ?> entries = attempt(cache, map);
        if (entries == null) {
            return 0;
        }
        int removed = 0;
        // Aparapi guards each of these maps with the map itself (or not at all).
        synchronized (entries) {
            for (Iterator<?> keys = entries.keySet().iterator(); keys.hasNext(); ) {
                if (keys.next() instanceof Class<?> type && stale.test(type.getClassLoader())) {
                    staleNames.add(type.getName());
                    keys.remove();
                    removed++;
                }
            }
        }
        return removed;
    }

    private static int removeBinaryKeys(Set<String> staleNames) {
        @SuppressWarnings("unchecked")
        Collection<String> keys = attempt("KernelRunner.seenBinaryKeys",
                () -> (Collection<String>) staticField(KernelRunner.class, "seenBinaryKeys"));
        if (keys == null || staleNames.isEmpty()) {
            return 0;
        }
        int removed = 0;
        synchronized (keys) {
            for (Iterator<String> key = keys.iterator(); key.hasNext(); ) {
                String value = key.next();
                int colon = value.lastIndexOf(':');
                if (colon > 0 && staleNames.contains(value.substring(0, colon))) {
                    key.remove();
                    removed++;
                }
            }
        }
        if (removed > 0) {
            disableBinaryCaching();
        }
        return removed;
    }

    private static void disableBinaryCaching() {
        if (!KernelRunner.BINARY_CACHING_DISABLED) {
            KernelRunner.BINARY_CACHING_DISABLED = true;
            LOG.info("a swapped bundle's kernel was built for OpenCL; Aparapi's native binary "
                    + "cache cannot drop its binary, so kernels are built from source from now on");
        }
    }

    /** Invalidates every static {@code ValueCache} of {@link Kernel} (keyed by class). */
    private static void invalidateKernelValueCaches() {
        attempt("Kernel method-flag caches", () -> {
            for (Field field : Kernel.class.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())
                        && field.getType().getSimpleName().equals("ValueCache")) {
                    field.setAccessible(true);
                    Object cache = field.get(null);
                    if (cache != null) {
                        Method invalidate = cache.getClass().getMethod("invalidate");
                        invalidate.setAccessible(true);
                        invalidate.invoke(cache);
                    }
                }
            }
            return null;
        });
    }

    private static Object staticField(Class<?> owner, String name)
            throws ReflectiveOperationException {
        Field field = owner.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(null);
    }

    /** A field {@link KernelManager} declares, read from {@code manager} (maybe a subclass). */
    private static Object instanceField(KernelManager manager, String name)
            throws ReflectiveOperationException {
        return instanceField(KernelManager.class, manager, name);
    }

    private static Object instanceField(Class<?> declaring, Object owner, String name)
            throws ReflectiveOperationException {
        Field field = declaring.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(owner);
    }

    /** Runs {@code action}; logs its failure once per cache and returns null instead. */
    private static <T> T attempt(String cache, Reflective<T> action) {
        try {
            return action.get();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            if (REPORTED.add(cache)) {
                LOG.warn("cannot clear Aparapi's {} after a bundle swap ({}); kernels of a "
                        + "swapped bundle may run stale code or keep its class loader", cache,
                        e.toString());
            }
            return null;
        }
    }

    /** A reflective read that may fail. */
    @FunctionalInterface
    private interface Reflective<T> {
        T get() throws ReflectiveOperationException;
    }
}
