package org.sparsa.api.policy;

import java.util.Map;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;

/**
 * What a policy objective gives back for one minibatch.
 *
 * @param loss the scalar to minimise
 * @param advantages the advantage of each completion, [B]
 * @param keep 1 where a completion contributes, 0 where it was masked out (off-policy mask), [B]
 * @param metrics named diagnostics (clip fraction, KL, …), logged every step
 */
public record PolicyLossResult(Variable loss, Tensor advantages, Tensor keep,
        Map<String, Double> metrics) {
    public PolicyLossResult {
        metrics = Map.copyOf(metrics);
    }
}
