package org.sparsa.grpo.internal.rl;

import java.util.List;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/**
 * The {@code judge_config} of a rubric reward whose judge is {@code model}: which trained model
 * judges ({@code stage}, an earlier stage of this run, or with {@code run} a stage of another
 * run folder), how many tokens it may answer in, the prompt it reads and the scale it scores on.
 *
 * @param stage the stage that trained the judge model
 * @param run the run folder holding that stage, or null for this run
 * @param maxNewTokens tokens the judge generates, greedily, per judgement
 * @param template the prompt the judge reads
 * @param scale the highest score; the judge answers an integer in {@code 0..scale}
 */
record ModelJudgeConfig(String stage, String run, int maxNewTokens, JudgeTemplate template,
        int scale) {
    static final String STAGE = "stage";
    static final String RUN = "run";
    static final String MAX_NEW_TOKENS = "max_new_tokens";
    static final String TEMPLATE = "template";
    static final String SCALE = "scale";
    static final List<String> KEYS = List.of(STAGE, RUN, MAX_NEW_TOKENS, TEMPLATE, SCALE);

    static final int DEFAULT_MAX_NEW_TOKENS = 4;
    static final int DEFAULT_SCALE = 10;
    /** Far above any useful answer; keeps a typo from generating for ever per judgement. */
    private static final int MOST_NEW_TOKENS = 4096;
    /** Scores above this would need more digits than the parser reads. */
    private static final int LARGEST_SCALE = 1_000_000_000;

    /**
     * Reads {@code config}.
     *
     * @throws ConfigException naming the key that is unknown, missing or out of range
     */
    static ModelJudgeConfig read(PluginConfig config) {
        config.requireOnly(KEYS);
        String stage = config.string(STAGE, "").strip();
        if (stage.isEmpty()) {
            throw new ConfigException(config.origin(), STAGE, "missing; expected the name of "
                    + "the stage that trained the judge model (an earlier stage of this run, or "
                    + "of the run folder in '" + RUN + "')");
        }
        String run = config.has(RUN) ? config.path(RUN, "").strip() : null;
        if (run != null && run.isEmpty()) {
            throw new ConfigException(config.origin(), RUN, "expected a run folder, found an "
                    + "empty string");
        }
        long maxNewTokens = config.integer(MAX_NEW_TOKENS, DEFAULT_MAX_NEW_TOKENS);
        if (maxNewTokens < 1 || maxNewTokens > MOST_NEW_TOKENS) {
            throw new ConfigException(config.origin(), MAX_NEW_TOKENS, "expected 1.."
                    + MOST_NEW_TOKENS + " tokens per answer, found " + maxNewTokens);
        }
        long scale = config.integer(SCALE, DEFAULT_SCALE);
        if (scale < 1 || scale > LARGEST_SCALE) {
            throw new ConfigException(config.origin(), SCALE, "expected a highest score of 1.."
                    + LARGEST_SCALE + ", found " + scale);
        }
        JudgeTemplate template;
        try {
            template = JudgeTemplate.of(config.string(TEMPLATE, JudgeTemplate.DEFAULT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.origin(), TEMPLATE, e.getMessage());
        }
        return new ModelJudgeConfig(stage, run, (int) maxNewTokens, template, (int) scale);
    }
}
