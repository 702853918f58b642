package org.sparsa.grpo.internal.rl;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.model.Sampler;
import org.sparsa.core.stage.TrainingStages;

/**
 * The keys of an {@code rl} stage, read and checked once when the stage is made.
 *
 * @param policyId the policy objective's plugin id ({@code grpo}, {@code v32}, …)
 * @param policyConfig its configuration, overriding the preset key by key
 * @param rewards the reward models, summed at their weights
 * @param groupSize completions sampled per prompt (G)
 * @param maxNewTokens tokens generated per completion
 * @param sampler temperature, top-k and top-p of rollouts (temperature above 0)
 * @param minibatches policy updates per rollout (μ); the rollout's groups are split evenly
 * @param keepSamplingMask renormalise the trained log-probabilities over the sampler's kept set
 * @param keepRouting replay the MoE routing recorded at sampling in the training passes
 * @param referenceRefresh steps between copies of the policy into the reference, 0: frozen
 * @param dynamicSampling drop groups whose rewards are all equal and sample more (DAPO)
 * @param maxResample extra groups dynamic sampling may draw per step
 * @param overlongMask leave completions cut at max_new_tokens out of the loss
 * @param evalExamples evaluation examples scored when an evaluation is due, 0: all
 * @param evalMaxNewTokens tokens generated per evaluation answer, 0: the reference's plus two
 */
record RlConfig(String policyId, PluginConfig policyConfig, List<RewardSpec> rewards,
        int groupSize, int maxNewTokens, Sampler sampler, int minibatches,
        boolean keepSamplingMask, boolean keepRouting, long referenceRefresh,
        boolean dynamicSampling, int maxResample, boolean overlongMask, int evalExamples,
        int evalMaxNewTokens) {
    static final String POLICY = "policy";
    static final String REWARDS = "rewards";
    static final String GROUP_SIZE = "group_size";
    static final String MAX_NEW_TOKENS = "max_new_tokens";
    static final String TEMPERATURE = "temperature";
    static final String TOP_P = "top_p";
    static final String TOP_K = "top_k";
    static final String MINIBATCHES = "minibatches";
    static final String KEEP_SAMPLING_MASK = "keep_sampling_mask";
    static final String KEEP_ROUTING = "keep_routing";
    static final String REFERENCE_REFRESH = "reference_refresh";
    static final String DYNAMIC_SAMPLING = "dynamic_sampling";
    static final String MAX_RESAMPLE = "max_resample";
    static final String OVERLONG_MASK = "overlong_mask";
    static final String EVAL_EXAMPLES = "eval_examples";
    static final String EVAL_MAX_NEW_TOKENS = "eval_max_new_tokens";

    /** Every key, as the stage kind declares them. */
    static final List<String> KEYS = List.of(POLICY, REWARDS, GROUP_SIZE, MAX_NEW_TOKENS,
            TEMPERATURE, TOP_P, TOP_K, MINIBATCHES, KEEP_SAMPLING_MASK, KEEP_ROUTING,
            REFERENCE_REFRESH, DYNAMIC_SAMPLING, MAX_RESAMPLE, OVERLONG_MASK, EVAL_EXAMPLES,
            EVAL_MAX_NEW_TOKENS);

    RlConfig {
        rewards = List.copyOf(rewards);
    }

    /**
     * Reads {@code config}.
     *
     * @throws ConfigException naming the key that is unknown, missing or out of range
     */
    static RlConfig read(PluginConfig config) {
        config.requireOnly(KEYS);
        PluginConfig policy = config.section(POLICY);
        policy.requireOnly(List.of("id", "config"));
        String policyId = policy.string("id", "grpo").strip();
        List<PluginConfig> entries = config.sections(REWARDS);
        if (entries.isEmpty()) {
            throw new ConfigException(config.origin(), REWARDS, "expected a non-empty list of "
                    + "{id, weight, name, config} maps, e.g. [{id: accuracy}]");
        }
        List<RewardSpec> rewards = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (PluginConfig entry : entries) {
            RewardSpec spec = RewardSpec.read(entry);
            if (!names.add(spec.name())) {
                throw new ConfigException(entry.origin(), RewardSpec.NAME, "duplicate reward "
                        + "name '" + spec.name() + "'; give each reward a unique name");
            }
            rewards.add(spec);
        }
        int groupSize = range(config, GROUP_SIZE, 8, 2, 4096);
        int maxNewTokens = range(config, MAX_NEW_TOKENS, 32, 1, 1_000_000);
        double temperature = config.number(TEMPERATURE, 1.0);
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new ConfigException(config.origin(), TEMPERATURE, "expected a finite number "
                    + "above 0 (rollouts are sampled), found " + temperature);
        }
        double topP = config.number(TOP_P, 1.0);
        if (!(topP > 0 && topP <= 1)) {
            throw new ConfigException(config.origin(), TOP_P, "expected a number in (0, 1], "
                    + "found " + topP);
        }
        int topK = range(config, TOP_K, 0, 0, Integer.MAX_VALUE);
        int minibatches = range(config, MINIBATCHES, 1, 1, 4096);
        long refresh = config.integer(REFERENCE_REFRESH, 0);
        if (refresh < 0) {
            throw new ConfigException(config.origin(), REFERENCE_REFRESH, "expected 0 (a frozen "
                    + "reference) or a positive number of steps, found " + refresh);
        }
        return new RlConfig(policyId, policy.section("config"), rewards, groupSize,
                maxNewTokens, new Sampler(temperature, topK, topP), minibatches,
                config.bool(KEEP_SAMPLING_MASK, true), config.bool(KEEP_ROUTING, true), refresh,
                config.bool(DYNAMIC_SAMPLING, false), range(config, MAX_RESAMPLE, 0, 0, 1 << 20),
                config.bool(OVERLONG_MASK, false), range(config, EVAL_EXAMPLES, 128, 0,
                1_000_000), range(config, EVAL_MAX_NEW_TOKENS, 0, 0, 1_000_000));
    }

    private static int range(PluginConfig config, String key, int fallback, int low, int high) {
        long value = config.integer(key, fallback);
        if (value < low || value > high) {
            throw new ConfigException(config.origin(), key, "expected an integer in [" + low
                    + ", " + high + "], found " + value);
        }
        return (int) value;
    }

    // The declarations the stage kind publishes, one per key.
    static final String POLICY_DECLARATION = POLICY
            + ":map - the policy objective, {id: grpo|dr_grpo|dapo|gspo|v32, config: {...}} "
            + "overriding the preset's knobs (default grpo)";
    static final String REWARDS_DECLARATION = REWARDS
            + ":list - reward models summed at their weights, each {id, weight (default 1), "
            + "name (default the id), config}; each is logged as reward/{name}";
    static final String GROUP_SIZE_DECLARATION = GROUP_SIZE
            + ":int=8 - completions sampled per prompt (G); batch must be a multiple";
    static final String MAX_NEW_TOKENS_DECLARATION = MAX_NEW_TOKENS
            + ":int=32 - tokens generated per completion";
    static final String TEMPERATURE_DECLARATION = TEMPERATURE
            + ":double=1.0 - sampling temperature of rollouts, above 0";
    static final String TOP_P_DECLARATION = TOP_P
            + ":double=1.0 - nucleus mass kept by the sampler, in (0, 1]";
    static final String TOP_K_DECLARATION = TOP_K
            + ":int=0 - most likely tokens kept by the sampler, 0 for all";
    static final String MINIBATCHES_DECLARATION = MINIBATCHES
            + ":int=1 - policy updates per rollout (mu); all but the first are off-policy";
    static final String KEEP_SAMPLING_MASK_DECLARATION = KEEP_SAMPLING_MASK
            + ":boolean=true - renormalise trained log-probabilities over the tokens the "
            + "sampler kept (DeepSeek-V3.2)";
    static final String KEEP_ROUTING_DECLARATION = KEEP_ROUTING
            + ":boolean=true - replay the MoE routing recorded at sampling in the training "
            + "passes (DeepSeek-V3.2)";
    static final String REFERENCE_REFRESH_DECLARATION = REFERENCE_REFRESH
            + ":int=0 - steps between copies of the policy into the KL reference; 0 keeps the "
            + "stage's starting weights";
    static final String DYNAMIC_SAMPLING_DECLARATION = DYNAMIC_SAMPLING
            + ":boolean=false - drop groups whose rewards are all equal and sample more (DAPO)";
    static final String MAX_RESAMPLE_DECLARATION = MAX_RESAMPLE
            + ":int=0 - extra groups dynamic sampling may draw per step";
    static final String OVERLONG_MASK_DECLARATION = OVERLONG_MASK
            + ":boolean=false - leave completions cut at max_new_tokens out of the loss (DAPO "
            + "overlong filtering)";
    static final String EVAL_EXAMPLES_DECLARATION = TrainingStages.EVAL_EXAMPLES_DECLARATION;
    static final String EVAL_MAX_NEW_TOKENS_DECLARATION = EVAL_MAX_NEW_TOKENS
            + ":int=0 - tokens generated per evaluation answer (0: the longest reference's plus"
            + " two)";
}
