package org.sparsa.grpo.internal;

import java.util.List;
import java.util.Map;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.testkit.conformance.PolicyObjectiveConformance;

/**
 * The {@code grpo} objective, GRPO (DeepSeekMath, R1), against the policy objective conformance
 * suite: its defaults, and the knobs the other presets do not combine (token-mean aggregation
 * under the unbiased KL with the off-policy mask; sequence ratios with a constant normaliser).
 */
class GrpoConformanceTest extends PolicyObjectiveConformance {

    @Override
    protected PolicyObjective objective() {
        return new GrpoObjective();
    }

    @Override
    protected List<PluginConfig> configs() {
        return List.of(PluginConfig.empty(),
                PluginConfig.of(Map.of("aggregation", "token_mean", "kl", "k3_unbiased",
                        "offpolicy_mask", true), "grpo conformance, masked"),
                PluginConfig.of(Map.of("ratio_level", "sequence", "aggregation",
                        "seq_mean_token_sum_norm", "norm_length", 8, "advantage", "group_mean"),
                        "grpo conformance, sequence ratios"));
    }
}
