package org.sparsa.runner.internal.run;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.runner.internal.plugins.UsedPlugins;
import org.sparsa.runner.internal.plugins.UsedPlugins.Use;

/**
 * Says which of a run's plugins a stack trace is in: the topmost frame whose class belongs to
 * one of the plugins the run uses names it, by id, bundle and version. A class belongs to a
 * plugin when the plugin's class loader (its bundle, in the distribution) defines it and it
 * is the plugin's own class, a class nested in it, or a class in its package or below; a
 * bundle that provides several of the run's plugins (core: full attention, the built-in stage
 * kinds and tasks) is thereby blamed only for its plugins' packages, not for its engine.
 * Failing that, the topmost frame of a bundle that provides just one of the run's plugins
 * names that one. One mechanism for every plugin kind: attention, stage kinds, tasks,
 * rewards, policy objectives.
 */
public final class PluginBlame {
    private final UsedPlugins plugins;

    /**
     * Where a stack trace is stuck or failed.
     *
     * @param plugin the plugin as messages name it ({@code attention plugin 'nsa'
     *     (org.sparsa.plugin.nsa 0.1.0)}); two or more joined by "or" when one package holds
     *     them
     * @param frame the frame, as {@code Class.method(File.java:line)}
     */
    record Culprit(String plugin, String frame) {
        @Override
        public String toString() {
            return plugin + " at " + frame;
        }
    }

    public PluginBlame(UsedPlugins plugins) {
        this.plugins = plugins;
    }

    /**
     * {@code failure}'s message for the user: its innermost cause's, prefixed with the plugin
     * whose code threw it where one did ({@code attention plugin 'nsa' (org.sparsa.plugin.nsa
     * 0.1.0) failed in …: java.lang.ArithmeticException: …}).
     */
    public String message(Throwable failure) {
        Throwable root = root(failure);
        return of(failure).map(c -> c.plugin() + " failed in " + c.frame() + ": " + root)
                .orElse(root.getMessage() == null ? root.toString() : root.getMessage());
    }

    /** The exception {@code failure} began with: its innermost cause. */
    static Throwable root(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * The plugin whose code threw {@code failure}: searched from the exception that was thrown
     * first (the innermost cause) outwards; empty when no frame is a plugin's, or when the
     * failure is a configuration error, which names its key and is the recipe's to fix.
     */
    Optional<Culprit> of(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            if (t instanceof ConfigException) {
                return Optional.empty();
            }
            chain.add(0, t);
        }
        for (Throwable t : chain) {
            Optional<Culprit> found = in(t.getStackTrace());
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The plugin the topmost frame of {@code stack} that belongs to one is in. */
    Optional<Culprit> in(StackTraceElement[] stack) {
        List<Use> uses = plugins.uses();
        Map<String, Class<?>> loaded = new HashMap<>();
        for (StackTraceElement frame : stack) {
            List<Use> owners = owners(frame.getClassName(), uses, loaded);
            if (!owners.isEmpty()) {
                return Optional.of(new Culprit(describe(owners), render(frame)));
            }
        }
        // No frame in a plugin's package: a bundle that provides one plugin only is all plugin.
        for (StackTraceElement frame : stack) {
            List<Use> same = new ArrayList<>();
            for (Use use : uses) {
                if (definedBy(frame.getClassName(), use, loaded)) {
                    same.add(use);
                }
            }
            if (same.size() == 1) {
                return Optional.of(new Culprit(describe(same), render(frame)));
            }
        }
        return Optional.empty();
    }

    /**
     * The plugins {@code className} belongs to: its own class (or one nested in it) wins over
     * a package, a deeper package over a shallower one; several only when they tie.
     */
    private static List<Use> owners(String className, List<Use> uses,
            Map<String, Class<?>> loaded) {
        List<Use> best = new ArrayList<>();
        int bestScore = 0;
        for (Use use : uses) {
            int score = score(className, use.type());
            if (score == 0 || score < bestScore || !definedBy(className, use, loaded)) {
                continue;
            }
            if (score > bestScore) {
                best.clear();
                bestScore = score;
            }
            best.add(use);
        }
        return best;
    }

    /** 0: unrelated; else the depth of the shared package, or more for the same class. */
    private static int score(String className, Class<?> type) {
        String outer = className.contains("$")
                ? className.substring(0, className.indexOf('$')) : className;
        String typeName = type.getName();
        String typeOuter = typeName.contains("$")
                ? typeName.substring(0, typeName.indexOf('$')) : typeName;
        if (outer.equals(typeOuter)) {
            return Integer.MAX_VALUE;
        }
        String pkg = type.getPackageName();
        String framePackage = outer.contains(".") ? outer.substring(0, outer.lastIndexOf('.'))
                : "";
        if (pkg.isEmpty() || !(framePackage.equals(pkg) || framePackage.startsWith(pkg + "."))) {
            return 0;
        }
        return pkg.split("\\.").length;
    }

    /** Whether the class named is defined by {@code use}'s class loader (its bundle). */
    private static boolean definedBy(String className, Use use, Map<String, Class<?>> loaded) {
        ClassLoader loader = use.type().getClassLoader();
        if (loader == null) {
            return false;
        }
        Class<?> type = loaded.computeIfAbsent(className + "@" + System.identityHashCode(loader),
                key -> load(className, loader));
        return type != null && type.getClassLoader() == loader;
    }

    private static Class<?> load(String className, ClassLoader loader) {
        try {
            // Not initialised: the frame's class is loaded already; this only finds it.
            return Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            return null;
        }
    }

    private String describe(List<Use> owners) {
        return owners.stream().map(u -> plugins.describe(u.kind(), u.id())).distinct()
                .collect(Collectors.joining(" or "));
    }

    /** {@code Class.method(File.java:line)}, without a class loader's or module's prefix. */
    static String render(StackTraceElement frame) {
        String where = frame.getFileName() == null ? "unknown source"
                : frame.getLineNumber() >= 0 ? frame.getFileName() + ":" + frame.getLineNumber()
                : frame.getFileName();
        return frame.getClassName() + "." + frame.getMethodName() + "(" + where + ")";
    }
}
