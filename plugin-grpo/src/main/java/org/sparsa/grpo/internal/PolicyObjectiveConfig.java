package org.sparsa.grpo.internal;

import static org.sparsa.grpo.internal.ObjectiveKeys.ADVANTAGE;
import static org.sparsa.grpo.internal.ObjectiveKeys.ADV_EPS;
import static org.sparsa.grpo.internal.ObjectiveKeys.AGGREGATION;
import static org.sparsa.grpo.internal.ObjectiveKeys.BETA;
import static org.sparsa.grpo.internal.ObjectiveKeys.CLIP_HIGH;
import static org.sparsa.grpo.internal.ObjectiveKeys.CLIP_LOW;
import static org.sparsa.grpo.internal.ObjectiveKeys.KL;
import static org.sparsa.grpo.internal.ObjectiveKeys.NORM_LENGTH;
import static org.sparsa.grpo.internal.ObjectiveKeys.OFFPOLICY_DELTA;
import static org.sparsa.grpo.internal.ObjectiveKeys.OFFPOLICY_MASK;
import static org.sparsa.grpo.internal.ObjectiveKeys.RATIO_LEVEL;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/**
 * Every knob of the composable clipped policy objective ({@code specs/policy.md}). A preset
 * ({@link Preset}) is one value of this record; a recipe's configuration overrides it key by key
 * ({@link #overriddenBy}).
 *
 * @param advantage how rewards become advantages
 * @param advantageEps added to the group std ({@code adv_eps})
 * @param ratioLevel token or sequence ratio
 * @param clipLow ratios below {@code 1 - clipLow} are clipped
 * @param clipHigh ratios above {@code 1 + clipHigh} are clipped (DAPO's clip-higher)
 * @param aggregation how per-token terms are averaged
 * @param normLength the constant of {@link Aggregation#SEQ_MEAN_TOKEN_SUM_NORM}; 0 means the
 *     batch's padded width
 * @param kl the KL estimator, {@link KlEstimator#NONE} for no penalty
 * @param beta the KL weight
 * @param offPolicyMask whether the off-policy sequence mask is on
 * @param offPolicyDelta its threshold on the mean of {@code logp_old - logp}
 */
record PolicyObjectiveConfig(AdvantageEstimator advantage, double advantageEps,
        RatioLevel ratioLevel, double clipLow, double clipHigh, Aggregation aggregation,
        int normLength, KlEstimator kl, double beta, boolean offPolicyMask,
        double offPolicyDelta) {

    PolicyObjectiveConfig {
        Objects.requireNonNull(advantage, "advantage");
        Objects.requireNonNull(ratioLevel, "ratioLevel");
        Objects.requireNonNull(aggregation, "aggregation");
        Objects.requireNonNull(kl, "kl");
    }

    /**
     * This configuration with the keys present in {@code config} replaced.
     *
     * @throws ConfigException naming the first unknown key, the key whose value is of the
     *     wrong type or out of range, or {@code norm_length} set for an aggregation that has
     *     no constant length
     */
    PolicyObjectiveConfig overriddenBy(PluginConfig config) {
        config.requireOnly(ObjectiveKeys.ALL);
        AdvantageEstimator newAdvantage = choice(config, ADVANTAGE, AdvantageEstimator.values(),
                AdvantageEstimator::id, advantage);
        double newAdvantageEps = atLeastZero(config, ADV_EPS, advantageEps);
        RatioLevel newRatioLevel = choice(config, RATIO_LEVEL, RatioLevel.values(),
                RatioLevel::id, ratioLevel);
        double newClipLow = atLeastZero(config, CLIP_LOW, clipLow);
        if (newClipLow >= 1) {
            throw new ConfigException(config.origin(), CLIP_LOW, "expected a number in [0, 1),"
                    + " since 1 - clip_low is the lowest ratio kept, found " + newClipLow);
        }
        double newClipHigh = atLeastZero(config, CLIP_HIGH, clipHigh);
        Aggregation newAggregation = choice(config, AGGREGATION, Aggregation.values(),
                Aggregation::id, aggregation);
        int newNormLength = normLength;
        if (config.has(NORM_LENGTH)) {
            long value = config.integer(NORM_LENGTH, normLength);
            if (value < 1 || value > Integer.MAX_VALUE) {
                throw new ConfigException(config.origin(), NORM_LENGTH,
                        "expected a positive integer, found " + value);
            }
            if (newAggregation != Aggregation.SEQ_MEAN_TOKEN_SUM_NORM) {
                throw new ConfigException(config.origin(), NORM_LENGTH, "only used by"
                        + " aggregation seq_mean_token_sum_norm, but aggregation is "
                        + newAggregation.id());
            }
            newNormLength = (int) value;
        }
        KlEstimator newKl = choice(config, KL, KlEstimator.values(), KlEstimator::id, kl);
        // beta with kl none and offpolicy_delta with the mask off are accepted, unused: the
        // runner fills in every published default, so a recipe that only turns kl off still
        // hands over the preset's beta.
        double newBeta = atLeastZero(config, BETA, beta);
        boolean newMask = config.bool(OFFPOLICY_MASK, offPolicyMask);
        double newDelta = config.number(OFFPOLICY_DELTA, offPolicyDelta);
        if (!Double.isFinite(newDelta)) {
            throw new ConfigException(config.origin(), OFFPOLICY_DELTA,
                    "expected a finite number, found " + newDelta);
        }
        return new PolicyObjectiveConfig(newAdvantage, newAdvantageEps, newRatioLevel,
                newClipLow, newClipHigh, newAggregation, newNormLength, newKl, newBeta, newMask,
                newDelta);
    }

    private static double atLeastZero(PluginConfig config, String key, double fallback) {
        double value = config.number(key, fallback);
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new ConfigException(config.origin(), key,
                    "expected a finite number >= 0, found " + value);
        }
        return value;
    }

    private static <E> E choice(PluginConfig config, String key, E[] values,
            Function<E, String> id, E fallback) {
        if (!config.has(key)) {
            return fallback;
        }
        String text = config.string(key, null).trim().toLowerCase(Locale.ROOT);
        for (E value : values) {
            if (id.apply(value).equals(text)) {
                return value;
            }
        }
        throw new ConfigException(config.origin(), key, "expected one of "
                + Arrays.stream(values).map(id).toList() + ", found '" + config.string(key, null)
                + "'");
    }
}
