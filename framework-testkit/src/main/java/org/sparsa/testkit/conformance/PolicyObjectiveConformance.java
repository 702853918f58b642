package org.sparsa.testkit.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.policy.PolicyLoss;
import org.sparsa.api.policy.PolicyLossResult;
import org.sparsa.api.policy.PolicyObjective;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.testkit.EachBackend;
import org.sparsa.testkit.OpGradientCheck;

/**
 * The conformance suite of a policy objective. A plugin's test extends it and supplies the
 * objective and the configurations to check; on every backend, for every configuration:
 *
 * <ul>
 *   <li>finite: loss, gradient, advantages and metrics are finite and the keep mask is 0 or 1,
 *       also on hard batches (ratios far outside any clip range, groups of equal rewards, large
 *       rewards, completions of one token or none);
 *   <li>zero advantage: when every completion of a group has the same reward the surrogate
 *       gives no gradient (within {@link #zeroGradientTolerance()}), while the same batch with
 *       differing rewards does;
 *   <li>gradient: the gradient of the loss with respect to the current log-probabilities
 *       against float32 finite differences ({@link OpGradientCheck}), with ratios near 1, clear
 *       of clip boundaries;
 *   <li>determinism: two computations of the same batch are bit-identical.
 * </ul>
 *
 * <p>Batches are small: two groups of four completions of up to five tokens.
 */
public abstract class PolicyObjectiveConformance {
    private static final int GROUPS = 2;
    private static final int GROUP_SIZE = 4;
    private static final int WIDTH = 5;

    /** The objective under test. */
    protected abstract PolicyObjective objective();

    /** The configurations to check; the default is the objective's defaults alone. */
    protected List<PluginConfig> configs() {
        return List.of(PluginConfig.empty());
    }

    /**
     * The configuration of the zero-advantage test made from {@code config}. The batch's
     * reference policy is the current one, so a KL estimator whose gradient vanishes where the
     * policies agree (k2, k3) adds nothing; an objective with any other term that pulls the
     * policy with zero advantage (k1 KL, an entropy bonus) switches it off here.
     */
    protected PluginConfig zeroAdvantageConfig(PluginConfig config) {
        return config;
    }

    /**
     * How far the current log-probabilities lie from the sampling policy's in the gradient
     * check, per token: far enough to exercise ratios other than 1, near enough to stay inside
     * every clip range by more than {@link #gradientStep()}.
     */
    protected double logRatioSpread() {
        return 0.05;
    }

    /** The finite-difference step of the gradient check. */
    protected double gradientStep() {
        return 1e-3;
    }

    /** The largest gradient component allowed for a zero-advantage batch. */
    protected double zeroGradientTolerance() {
        return 1e-7;
    }

    /** The seed of the generated batches. */
    protected long seed() {
        return 0x5eedL;
    }

    /** What one computation gave: the result and the gradient of the current log-probs. */
    private record Computed(PolicyLossResult result, float[] gradient) {
        double loss() {
            return result.loss().value().toArray()[0];
        }
    }

    private static Computed compute(Ops ops, PolicyLoss loss, Rollouts rollouts) {
        Variable current = rollouts.leaf(ops);
        PolicyLossResult result = loss.compute(rollouts.on(ops, current));
        assertEquals(0, result.loss().value().shape().length, "the loss must be a scalar");
        result.loss().backward();
        float[] gradient = current.grad().map(Tensor::toArray)
                .orElse(new float[rollouts.rows() * rollouts.width()]);
        return new Computed(result, gradient);
    }

    /** The hard batches, by name. */
    private Map<String, Rollouts> hardBatches() {
        Rollouts base = Rollouts.random(GROUPS, GROUP_SIZE, WIDTH, 0.05, seed());
        Map<String, Rollouts> batches = new LinkedHashMap<>();
        batches.put("ratios near 1", base);
        batches.put("ratios far outside any clip range",
                Rollouts.random(GROUPS, GROUP_SIZE, WIDTH, 3, seed() + 1));
        batches.put("equal rewards in every group", base.withRewards(1, 1, 1, 1, 0, 0, 0, 0));
        batches.put("rewards of order 1e4", base.withRewards(1e4f, -1e4f, 0, 5e3f, 1, 2, 3, 4));
        batches.put("one reward differs by the least float", base.withRewards(1, 1, 1,
                Math.nextUp(1f), 0, 0, 0, 0));
        batches.put("single-token completions",
                Rollouts.random(GROUPS, GROUP_SIZE, 1, 0.5, seed() + 2));
        batches.put("a completion of no tokens", base.withEmptyCompletion(2));
        return batches;
    }

    /** Loss, gradient, advantages and metrics are finite, and keep is 0 or 1. */
    @EachBackend
    public void lossesGradientsAndMetricsAreFinite(Ops ops) {
        for (PluginConfig config : configs()) {
            PolicyLoss loss = objective().create(config);
            hardBatches().forEach((name, rollouts) -> {
                String where = config + ", " + name;
                Computed computed = compute(ops, loss, rollouts);
                assertTrue(Double.isFinite(computed.loss()), where + ": loss "
                        + computed.loss());
                assertFinite(computed.gradient(), where + ": gradient");
                float[] advantages = computed.result().advantages().toArray();
                assertEquals(rollouts.rows(), advantages.length, where + ": advantages");
                assertFinite(advantages, where + ": advantages");
                float[] keep = computed.result().keep().toArray();
                assertEquals(rollouts.rows(), keep.length, where + ": keep");
                for (float k : keep) {
                    assertTrue(k == 0 || k == 1, where + ": keep " + k);
                }
                computed.result().metrics().forEach((metric, value) -> assertTrue(
                        Double.isFinite(value), where + ": metric " + metric + " = " + value));
            });
        }
    }

    /** Groups of equal rewards give zero advantages and no surrogate gradient. */
    @EachBackend
    public void zeroAdvantageBatchesGiveNoGradient(Ops ops) {
        for (PluginConfig config : configs()) {
            PolicyLoss loss = objective().create(zeroAdvantageConfig(config));
            Rollouts spread = Rollouts.random(GROUPS, GROUP_SIZE, WIDTH, 0.3, seed() + 3)
                    .withReferenceCurrent();
            Rollouts equal = spread.withRewards(1, 1, 1, 1, 0.25f, 0.25f, 0.25f, 0.25f);
            Computed computed = compute(ops, loss, equal);
            for (float a : computed.result().advantages().toArray()) {
                assertEquals(0, a, 0, config + ": advantage of a group of equal rewards");
            }
            float[] gradient = computed.gradient();
            for (int i = 0; i < gradient.length; i++) {
                assertEquals(0, gradient[i], zeroGradientTolerance(),
                        config + ": gradient component " + i + " with zero advantages");
            }
            // The same batch with differing rewards does pull the policy: the test can fail.
            float[] pulled = compute(ops, loss, spread.withRewards(1, 0, 0.5f, 0, 0, 1, 0, 0.5f))
                    .gradient();
            double largest = 0;
            for (float g : pulled) {
                largest = Math.max(largest, Math.abs(g));
            }
            assertTrue(largest > 100 * zeroGradientTolerance(), config
                    + ": differing rewards give no gradient either (largest " + largest + ")");
        }
    }

    /** The gradient of the loss against finite differences, ratios near 1. */
    @EachBackend
    public void gradientMatchesFiniteDifferences(Ops ops) {
        for (PluginConfig config : configs()) {
            PolicyLoss loss = objective().create(config);
            Rollouts rollouts = Rollouts.random(GROUPS, GROUP_SIZE, WIDTH, logRatioSpread(),
                    seed() + 4).withRewards(1, 0, 0.5f, 0, 0, 1, 0.5f, 0.5f);
            OpGradientCheck.of(ops, in -> loss.compute(rollouts.on(ops, in.get(0))).loss())
                    .step(gradientStep()).seed(seed() + 5)
                    .check(ops.tensor(rollouts.logp().clone(), rollouts.rows(),
                            rollouts.width()));
        }
    }

    /** Two computations of the same batch are bit-identical. */
    @EachBackend
    public void twoComputationsAreBitIdentical(Ops ops) {
        for (PluginConfig config : configs()) {
            Rollouts rollouts = Rollouts.random(GROUPS, GROUP_SIZE, WIDTH, 0.3, seed() + 6);
            Computed first = compute(ops, objective().create(config), rollouts);
            Computed second = compute(ops, objective().create(config), rollouts);
            assertEquals(first.loss(), second.loss(), 0, config + ": loss");
            assertArrayEquals(first.gradient(), second.gradient(), config + ": gradient");
            assertArrayEquals(first.result().advantages().toArray(),
                    second.result().advantages().toArray(), config + ": advantages");
            assertEquals(first.result().metrics(), second.result().metrics(),
                    config + ": metrics");
        }
    }

    private static void assertFinite(float[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            assertTrue(Float.isFinite(values[i]), what + " component " + i + " is "
                    + values[i]);
        }
    }
}
