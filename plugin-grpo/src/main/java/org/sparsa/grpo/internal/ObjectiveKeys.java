package org.sparsa.grpo.internal;

import java.util.List;

/**
 * The configuration keys every policy objective accepts, and the descriptions published with
 * them. Constants, so that each preset's {@code @PluginInfo} can spell its defaults.
 */
final class ObjectiveKeys {
    static final String ADVANTAGE = "advantage";
    static final String ADV_EPS = "adv_eps";
    static final String RATIO_LEVEL = "ratio_level";
    static final String CLIP_LOW = "clip_low";
    static final String CLIP_HIGH = "clip_high";
    static final String AGGREGATION = "aggregation";
    static final String NORM_LENGTH = "norm_length";
    static final String KL = "kl";
    static final String BETA = "beta";
    static final String OFFPOLICY_MASK = "offpolicy_mask";
    static final String OFFPOLICY_DELTA = "offpolicy_delta";

    /** Every key, in the order they are documented. */
    static final List<String> ALL = List.of(ADVANTAGE, ADV_EPS, RATIO_LEVEL, CLIP_LOW, CLIP_HIGH,
            AGGREGATION, NORM_LENGTH, KL, BETA, OFFPOLICY_MASK, OFFPOLICY_DELTA);

    static final String ADVANTAGE_DOC = " - group_std: (R - mean) / (std + adv_eps);"
            + " group_mean: R - mean (per prompt group)";
    static final String ADV_EPS_DOC = " - added to the group std (group_std only); >= 0";
    static final String RATIO_LEVEL_DOC = " - token: exp(logp - logp_old) per token; sequence:"
            + " the geometric mean over the completion (GSPO)";
    static final String CLIP_LOW_DOC = " - ratios below 1 - clip_low are clipped; in [0, 1)";
    static final String CLIP_HIGH_DOC = " - ratios above 1 + clip_high are clipped; >= 0";
    static final String AGGREGATION_DOC = " - seq_mean_token_mean, token_mean or"
            + " seq_mean_token_sum_norm (divides by B * norm_length)";
    static final String NORM_LENGTH_DOC = " - the constant length of seq_mean_token_sum_norm;"
            + " unset: the batch's padded width T";
    static final String KL_DOC = " - KL penalty against the reference: none, k3 or k3_unbiased"
            + " (k3 times the token ratio, DeepSeek-V3.2)";
    static final String BETA_DOC = " - weight of the KL penalty; >= 0, unused with kl none";
    static final String OFFPOLICY_MASK_DOC = " - drop negative-advantage completions whose"
            + " mean log(pi_old / pi) exceeds offpolicy_delta from the surrogate"
            + " (DeepSeek-V3.2)";
    static final String OFFPOLICY_DELTA_DOC = " - threshold of the off-policy sequence mask,"
            + " used when offpolicy_mask is true";

    private ObjectiveKeys() {
    }
}
