package org.sparsa.core.stage.internal;

import java.util.ArrayList;
import java.util.List;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.stage.TrainingContext;

/** The evaluation keys the built-in stage kinds share. */
record EvaluationConfig(int examples, int maxNewTokens) {
    static final String EXAMPLES = "eval_examples";
    static final String MAX_NEW_TOKENS = "max_new_tokens";
    static final String EXAMPLES_DECLARATION = EXAMPLES + ":int=128 - examples of the task's "
            + "evaluation set scored at each evaluation (0: all)";
    static final String MAX_NEW_TOKENS_DECLARATION = MAX_NEW_TOKENS + ":int=0 - tokens generated "
            + "per evaluation answer (0: the longest reference's plus two)";

    /** Reads the keys, rejecting any other and those in {@code absent}. */
    static EvaluationConfig read(PluginConfig config, List<String> absent) {
        List<String> known = new ArrayList<>(List.of(EXAMPLES, MAX_NEW_TOKENS));
        known.removeAll(absent);
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

    Evaluation evaluation(TrainingContext context) {
        return new Evaluation(context, examples, maxNewTokens);
    }
}
