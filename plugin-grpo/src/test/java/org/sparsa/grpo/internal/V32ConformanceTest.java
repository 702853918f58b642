package org.sparsa.grpo.internal;

import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.testkit.conformance.PolicyObjectiveConformance;

/** The {@code v32} objective, DeepSeek-V3.2, against the policy objective conformance suite. */
class V32ConformanceTest extends PolicyObjectiveConformance {

    @Override
    protected PolicyObjective objective() {
        return new V32Objective();
    }
}
