package org.sparsa.runner.internal.plugins;

import java.util.ArrayList;
import java.util.List;
import org.sparsa.api.plugin.PluginKind;

/**
 * A run's plugin source that remembers which plugins the run took from it, and the class of
 * each one's object: what a failure's stack trace is matched against to say which plugin
 * failed. Plugins are taken on the training thread and read by the thread that reports the
 * failure, so the record is synchronised.
 */
public final class UsedPlugins implements PluginSource {
    private final PluginSource source;
    private final List<Use> uses = new ArrayList<>();

    /**
     * One plugin the run took.
     *
     * @param kind its kind
     * @param id its id
     * @param type the class of the object the plugin service gave, its implementation
     */
    public record Use(PluginKind kind, String id, Class<?> type) {
    }

    public UsedPlugins(PluginSource source) {
        this.source = source;
    }

    /** Where the plugins come from. */
    public PluginSource source() {
        return source;
    }

    @Override
    public <S> S get(PluginKind kind, String id, Class<S> type) {
        S plugin = source.get(kind, id, type);
        taken(kind, id, plugin);
        return plugin;
    }

    /**
     * Records {@code plugin} as the run's {@code kind} plugin {@code id} beside those it took
     * before: a new revision swapped in during the run, whose classes its bundle's new class
     * loader defines.
     */
    public void taken(PluginKind kind, String id, Object plugin) {
        Use use = new Use(kind, id, plugin.getClass());
        synchronized (uses) {
            if (!uses.contains(use)) {
                uses.add(use);
            }
        }
    }

    @Override
    public String describe(PluginKind kind, String id) {
        return source.describe(kind, id);
    }

    /** The plugins taken so far, in the order first taken. */
    public List<Use> uses() {
        synchronized (uses) {
            return List.copyOf(uses);
        }
    }
}
