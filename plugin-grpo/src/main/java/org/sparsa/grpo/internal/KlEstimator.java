package org.sparsa.grpo.internal;

import java.util.Locale;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;

/**
 * The per-token estimate of {@code KL(pi_theta || pi_ref)} added to the loss with weight
 * {@code beta} ({@code specs/policy.md}); differentiable in the current log-probabilities.
 */
enum KlEstimator {
    /** No KL term. */
    NONE,
    /** Schulman's k3 with {@code d = logp_ref - logp}: {@code exp(d) - d - 1}. */
    K3,
    /**
     * DeepSeek-V3.2 Eq. 7: k3 times the token ratio {@code exp(logp - logp_old)}, which keeps
     * the gradient unbiased when the tokens were sampled by the old policy. The ratio is part
     * of the graph (the spec's formula is differentiated as written).
     */
    K3_UNBIASED;

    /** The name recipes use ({@code k3_unbiased}). */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The estimate per token, [B,T].
     *
     * @param ratio the token ratio {@code exp(logp - logp_old)}, [B,T]
     * @throws IllegalStateException for {@link #NONE}, which has no term
     */
    Variable perToken(Variable logp, Variable ratio, Variable ref) {
        if (this == NONE) {
            throw new IllegalStateException("kl none has no per-token term");
        }
        Ops ops = logp.ops();
        Variable d = ops.sub(ref, logp);
        Variable k3 = ops.sub(ops.sub(ops.exp(d), d), ops.constant(new float[] {1f}, 1));
        return this == K3 ? k3 : ops.mul(ratio, k3);
    }
}
