package org.sparsa.grpo.internal;

import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.testkit.conformance.PolicyObjectiveConformance;

/** The {@code grpo} objective, GRPO (DeepSeekMath, R1), against the policy objective conformance suite. */
class GrpoConformanceTest extends PolicyObjectiveConformance {

    @Override
    protected PolicyObjective objective() {
        return new GrpoObjective();
    }
}
