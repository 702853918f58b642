package org.sparsa.grpo.internal;

import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.testkit.conformance.PolicyObjectiveConformance;

/** The {@code dr_grpo} objective, Dr. GRPO, against the policy objective conformance suite. */
class DrGrpoConformanceTest extends PolicyObjectiveConformance {

    @Override
    protected PolicyObjective objective() {
        return new DrGrpoObjective();
    }
}
