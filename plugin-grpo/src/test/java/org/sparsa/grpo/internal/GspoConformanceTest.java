package org.sparsa.grpo.internal;

import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.testkit.conformance.PolicyObjectiveConformance;

/**
 * The {@code gspo} objective against the policy objective conformance suite. Its clip range,
 * 1 - 3e-4 to 1 + 4e-4 on the sequence ratio, is narrower than the suite's default spread of
 * log ratios: the gradient is checked at ratio 1, with a step that stays inside the range.
 */
class GspoConformanceTest extends PolicyObjectiveConformance {

    @Override
    protected PolicyObjective objective() {
        return new GspoObjective();
    }

    @Override
    protected double logRatioSpread() {
        return 0;
    }

    @Override
    protected double gradientStep() {
        return 1e-4;
    }
}
