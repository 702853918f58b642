package org.sparsa.core.stage.internal;

import java.util.ArrayList;
import java.util.List;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.stage.TrainingStages;

/** The evaluation keys the built-in stage kinds share. */
record EvaluationConfig(int examples, int maxNewTokens) {
    static final String EXAMPLES = "eval_examples";
    static final String MAX_NEW_TOKENS = "max_new_tokens";
    static final String EXAMPLES_DECLARATION = TrainingStages.EVAL_EXAMPLES_DECLARATION;
    static final String MAX_NEW_TOKENS_DECLARATION = TrainingStages.MAX_NEW_TOKENS_DECLARATION;

    /** Reads the keys, rejecting any other and those in {@code absent}. */
    static EvaluationConfig read(PluginConfig config, List<String> absent) {
        return read(config, absent, List.of());
    }

    /**
     * Reads the keys, rejecting those in {@code absent} and any other but {@code others} (a
     * preset's own, which it reads itself).
     */
    static EvaluationConfig read(PluginConfig config, List<String> absent, List<String> others) {
        List<String> known = new ArrayList<>(List.of(EXAMPLES, MAX_NEW_TOKENS));
        known.removeAll(absent);
        known.addAll(others);
        config.requireOnly(known);
        return new EvaluationConfig(count(config, EXAMPLES, 128), count(config, MAX_NEW_TOKENS, 0));
    }

    private static int count(PluginConfig config, String key, int fallback) {
        long value = config.integer(key, fallback);
        if (value < 0 || value > 1_000_000) {
            throw new ConfigException(config.origin(), key, "expected 0 to 1000000, found "
                    + value);
        }
        return (int) value;
    }

    Evaluation evaluation(TrainingContext context, StageSettings settings) {
        return new Evaluation(context, settings, examples, maxNewTokens);
    }
}
