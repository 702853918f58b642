package org.sparsa.grpo.internal;

import java.util.Locale;

/**
 * The named configurations of the objective, as the table of {@code specs/policy.md} gives
 * them. Where the spec gives no value the preset takes the golden case's: V3.2's
 * {@code beta = 0.01} and {@code offpolicy_delta = 0.05} (the paper gives neither). The
 * off-policy threshold of the presets without the mask is that same 0.05, used only when a
 * recipe turns the mask on.
 */
enum Preset {
    /** DeepSeekMath / R1 GRPO. */
    GRPO(new PolicyObjectiveConfig(AdvantageEstimator.GROUP_STD, 1e-4, RatioLevel.TOKEN, 0.2,
            0.2, Aggregation.SEQ_MEAN_TOKEN_MEAN, 0, KlEstimator.K3, 0.04, false, 0.05)),
    /** Dr. GRPO: no std, constant normaliser, no KL. */
    DR_GRPO(new PolicyObjectiveConfig(AdvantageEstimator.GROUP_MEAN, 0, RatioLevel.TOKEN, 0.2,
            0.2, Aggregation.SEQ_MEAN_TOKEN_SUM_NORM, 0, KlEstimator.NONE, 0, false, 0.05)),
    /** DAPO: clip-higher and token-mean aggregation, no KL. */
    DAPO(new PolicyObjectiveConfig(AdvantageEstimator.GROUP_STD, 1e-4, RatioLevel.TOKEN, 0.2,
            0.28, Aggregation.TOKEN_MEAN, 0, KlEstimator.NONE, 0, false, 0.05)),
    /** GSPO: sequence-level ratio with the paper's narrow clip range, no KL. */
    GSPO(new PolicyObjectiveConfig(AdvantageEstimator.GROUP_STD, 1e-4, RatioLevel.SEQUENCE,
            3e-4, 4e-4, Aggregation.SEQ_MEAN_TOKEN_MEAN, 0, KlEstimator.NONE, 0, false, 0.05)),
    /** DeepSeek-V3.2: mean-centred advantages, unbiased KL, off-policy sequence mask. */
    V32(new PolicyObjectiveConfig(AdvantageEstimator.GROUP_MEAN, 0, RatioLevel.TOKEN, 0.2,
            0.2, Aggregation.SEQ_MEAN_TOKEN_MEAN, 0, KlEstimator.K3_UNBIASED, 0.01, true,
            0.05));

    private final PolicyObjectiveConfig config;

    Preset(PolicyObjectiveConfig config) {
        this.config = config;
    }

    /** The plugin id ({@code dr_grpo}). */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The preset's knobs. */
    PolicyObjectiveConfig config() {
        return config;
    }

    /**
     * The preset called {@code id}.
     *
     * @throws IllegalArgumentException naming the presets when there is none of that name
     */
    static Preset of(String id) {
        for (Preset preset : values()) {
            if (preset.id().equals(id)) {
                return preset;
            }
        }
        throw new IllegalArgumentException("unknown policy preset '" + id + "'; expected one of "
                + java.util.Arrays.stream(values()).map(Preset::id).toList());
    }
}
