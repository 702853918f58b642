package org.sparsa.dsa.internal;

import org.sparsa.core.stage.StageSettings;

/**
 * The attention mode a DSA stage preset runs in: the recipe may leave it to the preset or
 * repeat it, but not ask for the other one, since the preset's loss is only meaningful in its
 * own mode (the warm-up's KL teaches the indexer the dense attention; the sparse stage trains
 * the model on what the indexer selects).
 */
final class PresetMode {

    private PresetMode() {
    }

    /**
     * {@code settings} in {@code mode}.
     *
     * @throws IllegalArgumentException naming the stage kind when the recipe asked for another
     *     mode
     */
    static StageSettings apply(StageSettings settings, String mode, String kind) {
        String asked = settings.attentionMode();
        if (!asked.equals(StageSettings.DEFAULT_MODE) && !asked.equals(mode)) {
            throw new IllegalArgumentException("stage kind " + kind + " runs the attention in "
                    + "mode '" + mode + "', but the stage's attention_mode is '" + asked
                    + "'; leave it out or set it to '" + mode + "'");
        }
        return settings.withAttentionMode(mode);
    }
}
