package org.sparsa.runner.internal.run;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.core.compute.opencl.KernelCaches;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.runner.internal.plugins.UsedPlugins;

/**
 * Applies, at a step boundary, the new revisions of attention plugins that {@link
 * PluginRevisions} found: the model's layers of that plugin are rebuilt from the new revision
 * over the same parameters ({@link AttentionSwap}), or the revision is refused and the run keeps
 * the layers it has. Either way the log says so and {@code metrics.jsonl} gets an event line
 * ({@value #SWAP_EVENT} or {@value #REFUSED_EVENT}) at the run step after which it happened.
 *
 * <p>The class loaders of the layers in use are kept from {@link KernelCaches#forget} while the
 * model uses them: the refresh that discards a revision the run refused to replace would
 * otherwise dispose the kernels its layers still run. A loader is released (and forgotten then,
 * if its revision was discarded) once no layer uses it, and when the run ends.
 */
final class PluginSwapper implements AutoCloseable {
    /** The event of a plugin swapped. */
    static final String SWAP_EVENT = "plugin_swap";
    /** The event of a new revision refused. */
    static final String REFUSED_EVENT = "swap_refused";

    private static final Logger LOG = LoggerFactory.getLogger(PluginSwapper.class);

    private final LlamaModel model;
    private final PluginRevisions revisions;
    private final MetricsWriter metrics;
    private final UsedPlugins used;
    private final Map<ClassLoader, KernelCaches.Kept> kept = new IdentityHashMap<>();

    /**
     * @param used the run's record of its plugins, which learns of each revision swapped in so
     *     that a failure of the new revision names it
     */
    PluginSwapper(LlamaModel model, PluginRevisions revisions, MetricsWriter metrics,
            UsedPlugins used) {
        this.model = model;
        this.revisions = revisions;
        this.metrics = metrics;
        this.used = used;
        keepLoadersInUse();
    }

    /** Inside a stage's loop, after {@code step} run steps. */
    void atStepBoundary(long step) {
        apply(revisions.atStepBoundary(), step);
    }

    /** Before a stage, after {@code step} run steps. */
    void atStageBoundary(long step) {
        apply(revisions.atStageBoundary(), step);
    }

    private void apply(List<PluginRevision> found, long step) {
        for (PluginRevision revision : found) {
            if (revision.plugin() == null) {
                refuse(revision, step, revision.failure());
                continue;
            }
            Map<Integer, AttentionLayer> replaced;
            try {
                replaced = AttentionSwap.apply(model, revision.pluginId(), revision.plugin());
            } catch (SwapRefused e) {
                refuse(revision, step, e.getMessage());
                continue;
            }
            revisions.accepted(revision);
            used.taken(PluginKind.ATTENTION, revision.pluginId(), revision.plugin());
            keepLoadersInUse();
            forgetReplaced(replaced.values(), revision);
            LOG.info("attention plugin '{}' swapped from {} to {} after step {} (layers {}); "
                    + "it trains on with the same parameters", revision.pluginId(),
                    revision.from(), revision.to(), step, replaced.keySet());
            Map<String, Object> fields = fields(revision);
            fields.put("layers", List.copyOf(replaced.keySet()));
            metrics.event(SWAP_EVENT, step, fields);
        }
    }

    private void refuse(PluginRevision revision, long step, String reason) {
        revisions.refused(revision);
        LOG.warn("attention plugin '{}': refused the new revision {} after step {}: {}; the run "
                + "keeps {}", revision.pluginId(), revision.to(), step, reason, revision.from());
        Map<String, Object> fields = fields(revision);
        fields.put("reason", reason);
        metrics.event(REFUSED_EVENT, step, fields);
    }

    /** Keeps the bundle class loader of every layer the model uses now. */
    private void keepLoadersInUse() {
        for (int layer = 0; layer < model.config().layers(); layer++) {
            ClassLoader loader = model.attention(layer).getClass().getClassLoader();
            if (loader instanceof BundleReference && !kept.containsKey(loader)) {
                kept.put(loader, KernelCaches.keep(loader));
            }
        }
    }

    /**
     * Lets go of the replaced layers' Aparapi kernels: their keep is released, which forgets
     * them if a refresh discarded their revision meanwhile, and they are forgotten in any case
     * (a framework may drop a revision without a refresh).
     */
    private void forgetReplaced(Iterable<AttentionLayer> replaced, PluginRevision revision) {
        ClassLoader current = revision.plugin().getClass().getClassLoader();
        for (AttentionLayer layer : replaced) {
            ClassLoader old = layer.getClass().getClassLoader();
            if (old == current || !(old instanceof BundleReference) || inUse(old)) {
                continue;
            }
            KernelCaches.Kept keep = kept.remove(old);
            if (keep != null) {
                keep.release();
            }
            KernelCaches.forget(old);
        }
    }

    private boolean inUse(ClassLoader loader) {
        for (int layer = 0; layer < model.config().layers(); layer++) {
            if (model.attention(layer).getClass().getClassLoader() == loader) {
                return true;
            }
        }
        return false;
    }

    /** Releases every loader kept; the ones a refresh discarded meanwhile are forgotten now. */
    @Override
    public void close() {
        kept.values().forEach(KernelCaches.Kept::release);
        kept.clear();
    }

    private static Map<String, Object> fields(PluginRevision revision) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("plugin", revision.pluginId());
        fields.put("from", revision.from());
        fields.put("to", revision.to());
        return fields;
    }
}
