package org.sparsa.dsa.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.stage.Stage;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingStages;

/**
 * What a DSA stage preset trains on, its config key {@code data}: the task's documents packed
 * into rows, every token in the loss (the {@code pretrain} loop, DeepSeek-V3.2's continued
 * pre-training), or the task's prompt/answer pairs with the loss on the answers (the {@code sft}
 * loop). The second lets a toy model that learned a task by fine-tuning go through the warm-up
 * and the sparse stage on the same data, so that its dense and sparse accuracy compare.
 */
enum PresetData {
    DOCUMENTS,
    EXAMPLES;

    static final String KEY = "data";
    static final String DECLARATION = KEY + ":string=documents - what the stage trains on:"
            + " documents (the task's documents packed into rows, as pretrain) or examples (its"
            + " prompt/answer pairs, the loss on the answers, as sft)";

    /** The recipe's choice, documents when it makes none. */
    static PresetData read(PluginConfig config) {
        String value = config.string(KEY, "documents");
        return switch (value) {
            case "documents" -> DOCUMENTS;
            case "examples" -> EXAMPLES;
            default -> throw new ConfigException(config.origin(), KEY,
                    "expected documents or examples, found '" + value + "'");
        };
    }

    /** The stage over this data under {@code preset}, reading {@code presetKeys} itself. */
    Stage stage(PluginConfig config, List<String> presetKeys,
            UnaryOperator<StageSettings> preset) {
        List<String> keys = new ArrayList<>(presetKeys);
        keys.add(KEY);
        return this == DOCUMENTS
                ? TrainingStages.pretrain(config, keys, preset)
                : TrainingStages.sft(config, keys, preset);
    }
}
