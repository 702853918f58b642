package org.sparsa.grpo.internal.rl;

import java.util.List;
import java.util.Objects;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/**
 * One reward model of an {@code rl} stage: the plugin's id, its weight in the training reward,
 * the name its value is logged under ({@code reward/{name}}) and its own configuration.
 */
record RewardSpec(String id, double weight, String name, PluginConfig config) {
    static final String ID = "id";
    static final String WEIGHT = "weight";
    static final String NAME = "name";
    static final String CONFIG = "config";

    RewardSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(config, "config");
    }

    /**
     * Reads {@code {id, weight (default 1), name (default the id), config}}.
     *
     * @throws ConfigException naming the key of an entry that is missing or out of range
     */
    static RewardSpec read(PluginConfig entry) {
        entry.requireOnly(List.of(ID, WEIGHT, NAME, CONFIG));
        String id = entry.string(ID, "").strip();
        if (id.isEmpty()) {
            throw new ConfigException(entry.origin(), ID, "missing; expected a reward id such "
                    + "as accuracy or format");
        }
        double weight = entry.number(WEIGHT, 1.0);
        if (!Double.isFinite(weight)) {
            throw new ConfigException(entry.origin(), WEIGHT, "expected a finite number, found "
                    + weight);
        }
        String name = entry.string(NAME, id).strip();
        if (name.isEmpty() || name.contains(".") || name.contains("/")) {
            throw new ConfigException(entry.origin(), NAME, "expected a non-empty name without "
                    + "'.' or '/', found '" + name + "'");
        }
        return new RewardSpec(id, weight, name, entry.section(CONFIG));
    }
}
