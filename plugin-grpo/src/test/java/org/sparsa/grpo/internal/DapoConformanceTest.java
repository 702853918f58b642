package org.sparsa.grpo.internal;

import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.testkit.conformance.PolicyObjectiveConformance;

/** The {@code dapo} objective, DAPO, against the policy objective conformance suite. */
class DapoConformanceTest extends PolicyObjectiveConformance {

    @Override
    protected PolicyObjective objective() {
        return new DapoObjective();
    }
}
