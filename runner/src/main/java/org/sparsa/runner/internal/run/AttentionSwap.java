package org.sparsa.runner.internal.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.model.LlamaModel;

/**
 * Puts a new revision of one attention plugin into every layer of a model that uses it, over
 * the parameters those layers already have, or into none: each layer's specs are checked and
 * its new layer made before any is replaced. No parameter is created, re-initialised or
 * dropped, so the optimiser's state stays what it was.
 */
final class AttentionSwap {
    private AttentionSwap() {
    }

    /**
     * Replaces the attention of every layer of {@code model} whose plugin is {@code pluginId}
     * with a layer of {@code revision}, made from the same shape and configuration.
     *
     * @return the layers replaced, each with the layer it had before, in layer order
     * @throws SwapRefused naming the layer and the difference when the revision declares other
     *     parameters than the layer has, offers fewer modes, or throws while declaring or making
     *     a layer; nothing is replaced then
     */
    static Map<Integer, AttentionLayer> apply(LlamaModel model, String pluginId,
            AttentionPlugin revision) throws SwapRefused {
        List<Integer> layers = layersOf(model, pluginId);
        Map<Integer, AttentionLayer> made = new LinkedHashMap<>();
        for (int layer : layers) {
            AttentionShape shape = model.attentionShape(layer);
            PluginConfig config = model.config().attentionOf(layer).pluginConfig(layer);
            try {
                Optional<String> mismatch = ParameterSpecMatch.mismatch(
                        model.attentionSpecs(layer), revision.parameterSpecs(shape, config));
                if (mismatch.isPresent()) {
                    throw new SwapRefused("layer " + layer + ": " + mismatch.get());
                }
                AttentionLayer fresh = revision.create(shape, config);
                if (fresh == null) {
                    throw new SwapRefused("layer " + layer + ": the new revision made no layer");
                }
                AttentionLayer old = model.attention(layer);
                if (!fresh.modes().containsAll(old.modes())) {
                    throw new SwapRefused("layer " + layer + ": the new revision offers modes "
                            + fresh.modes() + ", the run uses " + old.modes());
                }
                made.put(layer, fresh);
            } catch (RuntimeException | LinkageError e) {
                // A broken revision (a bad configuration check, a class it cannot load) is
                // refused like a mismatch: the run goes on with the layers it has.
                throw new SwapRefused("layer " + layer + ": the new revision failed: " + e);
            }
        }
        Map<Integer, AttentionLayer> replaced = new LinkedHashMap<>();
        made.forEach((layer, fresh) -> replaced.put(layer, model.replaceAttention(layer, fresh)));
        return replaced;
    }

    /** The layers of {@code model} whose attention comes from {@code pluginId}. */
    static List<Integer> layersOf(LlamaModel model, String pluginId) {
        List<Integer> layers = new ArrayList<>();
        for (int layer = 0; layer < model.config().layers(); layer++) {
            if (model.config().attentionOf(layer).plugin().equals(pluginId)) {
                layers.add(layer);
            }
        }
        return layers;
    }
}
