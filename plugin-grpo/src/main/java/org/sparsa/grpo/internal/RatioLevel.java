package org.sparsa.grpo.internal;

import java.util.Locale;

/** Where the importance ratio of the clipped surrogate lives ({@code specs/policy.md}). */
enum RatioLevel {
    /** One ratio per token, {@code r = exp(logp - logp_old)} (GRPO, DAPO, V3.2). */
    TOKEN,
    /**
     * One ratio per completion, the geometric mean of its token ratios,
     * {@code s = exp(sum_t m (logp - logp_old) / |o|)} (GSPO); the surrogate is then averaged
     * over completions, whatever the aggregation.
     */
    SEQUENCE;

    /** The name recipes use ({@code token}). */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
