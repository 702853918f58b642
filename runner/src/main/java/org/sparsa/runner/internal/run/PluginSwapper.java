package org.sparsa.runner.internal.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.core.compute.opencl.KernelCaches;
import org.sparsa.core.model.LlamaModel;

/**
 * Applies, at a step boundary, the new revisions of attention plugins that {@link
 * PluginRevisions} found: the model's layers of that plugin are rebuilt from the new revision
 * over the same parameters ({@link AttentionSwap}), or the revision is refused and the run keeps
 * the layers it has. Either way the log says so and {@code metrics.jsonl} gets an event line
 * ({@value #SWAP_EVENT} or {@value #REFUSED_EVENT}) at the run step after which it happened.
 */
final class PluginSwapper {
    /** The event of a plugin swapped. */
    static final String SWAP_EVENT = "plugin_swap";
    /** The event of a new revision refused. */
    static final String REFUSED_EVENT = "swap_refused";

    private static final Logger LOG = LoggerFactory.getLogger(PluginSwapper.class);

    private final LlamaModel model;
    private final PluginRevisions revisions;
    private final MetricsWriter metrics;

    PluginSwapper(LlamaModel model, PluginRevisions revisions, MetricsWriter metrics) {
        this.model = model;
        this.revisions = revisions;
        this.metrics = metrics;
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
            forgetKernels(replaced.values(), revision);
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

    /**
     * Lets go of the replaced layers' Aparapi kernels. Core does this when a refresh discards
     * their bundle revision; this covers a revision the framework dropped without one.
     */
    private static void forgetKernels(Iterable<AttentionLayer> replaced,
            PluginRevision revision) {
        ClassLoader current = revision.plugin().getClass().getClassLoader();
        for (AttentionLayer layer : replaced) {
            ClassLoader old = layer.getClass().getClassLoader();
            if (old != current && old instanceof BundleReference) {
                KernelCaches.forget(old);
            }
        }
    }

    private static Map<String, Object> fields(PluginRevision revision) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("plugin", revision.pluginId());
        fields.put("from", revision.from());
        fields.put("to", revision.to());
        return fields;
    }
}
