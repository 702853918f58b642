package org.sparsa.grpo.internal;

import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.policy.PolicyObjective;

/**
 * A policy objective service for one {@link Preset}: the recipe's configuration overrides the
 * preset's knobs key by key. Each preset is its own component (its own plugin id and published
 * defaults); they share this code.
 */
abstract class PresetObjective implements PolicyObjective {
    private final Preset preset;

    PresetObjective(Preset preset) {
        this.preset = preset;
    }

    /** The preset this objective starts from. */
    Preset preset() {
        return preset;
    }

    @Override
    public ClippedPolicyLoss create(PluginConfig config) {
        return new ClippedPolicyLoss(preset.config().overriddenBy(config));
    }
}
