package org.sparsa.distill.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/**
 * The keys of a {@code distill} stage's {@code config:}, checked when the stage is made so that
 * a bad recipe fails before anything trains; each error names its key.
 *
 * @param mode logits or sequences
 * @param teachers the teachers, at least one
 * @param kl the KL direction (logits mode)
 * @param temperature the softening temperature of both distributions (logits mode)
 * @param answerOnly whether only the positions that predict the answer count (logits mode)
 * @param prompts prompts drawn from each teacher's task (sequences mode)
 * @param samples completions the teacher writes per prompt (sequences mode)
 * @param sampleTemperature the teachers' sampling temperature, 0 for greedy (sequences mode)
 * @param completionTokens the longest completion, 0 for the longest evaluation reference's
 *     plus two (sequences mode)
 * @param rewardId the reward plugin that filters completions, or null to keep every finished one
 * @param rewardConfig the reward's configuration
 * @param minReward the reward a completion needs to be kept
 * @param requireCorrect whether a completion must also be correct by the task's own exact match
 * @param evalExamples examples of each teacher's task scored at each evaluation (0: all)
 * @param maxNewTokens tokens generated per evaluation answer (0: longest reference's plus two)
 * @param scoreTable whether the stage's end scores every teacher and the student on every task
 */
record DistillConfig(DistillMode mode, List<TeacherSpec> teachers, KlDirection kl,
        double temperature, boolean answerOnly, int prompts, int samples, double sampleTemperature,
        int completionTokens, String rewardId, Map<String, Object> rewardConfig,
        double minReward, boolean requireCorrect, int evalExamples, int maxNewTokens,
        boolean scoreTable) {
    static final String MODE = "mode";
    static final String TEACHERS = "teachers";
    static final String KL = "kl";
    static final String TEMPERATURE = "temperature";
    static final String POSITIONS = "positions";
    static final String PROMPTS = "prompts";
    static final String SAMPLES = "samples";
    static final String SAMPLE_TEMPERATURE = "sample_temperature";
    static final String COMPLETION_TOKENS = "completion_tokens";
    static final String REWARD = "reward";
    static final String MIN_REWARD = "min_reward";
    static final String REQUIRE_CORRECT = "require_correct";
    static final String EVAL_EXAMPLES = "eval_examples";
    static final String MAX_NEW_TOKENS = "max_new_tokens";
    static final String SCORE_TABLE = "score_table";

    DistillConfig {
        teachers = List.copyOf(teachers);
        rewardConfig = Map.copyOf(rewardConfig);
    }

    /** Reads and checks {@code config}. */
    static DistillConfig read(PluginConfig config) {
        config.requireOnly(List.of(MODE, TEACHERS, KL, TEMPERATURE, POSITIONS, PROMPTS, SAMPLES,
                SAMPLE_TEMPERATURE, COMPLETION_TOKENS, REWARD, MIN_REWARD, REQUIRE_CORRECT, EVAL_EXAMPLES,
                MAX_NEW_TOKENS, SCORE_TABLE));
        String modeText = config.string(MODE, "logits");
        DistillMode mode = DistillMode.named(modeText);
        if (mode == null) {
            throw new ConfigException(config.origin(), MODE, "expected logits or sequences, "
                    + "found '" + modeText + "'");
        }
        List<PluginConfig> entries = config.sections(TEACHERS);
        if (entries.isEmpty()) {
            throw new ConfigException(config.origin(), TEACHERS, "expected at least one "
                    + "teacher, as a list of {stage, run, task, weight}");
        }
        List<TeacherSpec> teachers = new ArrayList<>();
        for (PluginConfig entry : entries) {
            teachers.add(TeacherSpec.read(entry));
        }
        String klText = config.string(KL, "forward");
        KlDirection kl = KlDirection.named(klText);
        if (kl == null) {
            throw new ConfigException(config.origin(), KL, "expected forward or reverse, found '"
                    + klText + "'");
        }
        double temperature = config.number(TEMPERATURE, 1);
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new ConfigException(config.origin(), TEMPERATURE, "expected a temperature "
                    + "above 0, found " + temperature);
        }
        String positions = config.string(POSITIONS, "all");
        if (!positions.equals("all") && !positions.equals("answer")) {
            throw new ConfigException(config.origin(), POSITIONS, "expected all or answer, found '"
                    + positions + "'");
        }
        double sampleTemperature = config.number(SAMPLE_TEMPERATURE, 1);
        if (!(sampleTemperature >= 0) || !Double.isFinite(sampleTemperature)) {
            throw new ConfigException(config.origin(), SAMPLE_TEMPERATURE, "expected 0 (greedy) "
                    + "or above, found " + sampleTemperature);
        }
        String rewardId = null;
        Map<String, Object> rewardConfig = Map.of();
        if (config.has(REWARD)) {
            PluginConfig reward = config.section(REWARD);
            reward.requireOnly(List.of("id", "config"));
            rewardId = reward.string("id", null);
            if (rewardId == null || rewardId.isBlank()) {
                throw new ConfigException(reward.origin(), "id", "expected a reward plugin id");
            }
            rewardConfig = reward.section("config").asMap();
        }
        double minReward = config.number(MIN_REWARD, 1);
        if (!Double.isFinite(minReward)) {
            throw new ConfigException(config.origin(), MIN_REWARD, "expected a finite reward, "
                    + "found " + minReward);
        }
        return new DistillConfig(mode, teachers, kl, temperature, positions.equals("answer"),
                count(config, PROMPTS, 64, 1), count(config, SAMPLES, 4, 1), sampleTemperature,
                count(config, COMPLETION_TOKENS, 0, 0), rewardId, rewardConfig, minReward,
                config.bool(REQUIRE_CORRECT, false),
                count(config, EVAL_EXAMPLES, 128, 0), count(config, MAX_NEW_TOKENS, 0, 0),
                config.bool(SCORE_TABLE, true));
    }

    private static int count(PluginConfig config, String key, int fallback, int least) {
        long value = config.integer(key, fallback);
        if (value < least || value > 1_000_000) {
            throw new ConfigException(config.origin(), key, "expected " + least
                    + " to 1000000, found " + value);
        }
        return (int) value;
    }
}
