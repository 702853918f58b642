package org.sparsa.grpo.internal.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.model.Routing;
import org.sparsa.core.random.SplitMix64;

/**
 * The DeepSeek-V3.2 stabilisers do what they claim, measured on a tiny model: Keep Sampling Mask
 * brings the on-policy IS ratio of a top-p sampler to 1 (without it the ratio is the mass the
 * sampler kept), Keep Routing makes the training pass route exactly as sampling did (without it
 * the disagreement is measured and reported), and the off-policy mask drops exactly the
 * negative-advantage completions whose mean log-ratio to the sampler exceeds delta.
 */
class StabiliserTest {
    @TempDir
    Path folder;

    private static Map<String, Object> keys(Object... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rewards", List.of(Map.of("id", "ascii")));
        out.put("group_size", 4);
        out.put("max_new_tokens", 6);
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((String) pairs[i], pairs[i + 1]);
        }
        return out;
    }

    private RlTestContext run(boolean moe, long steps, double lr, Map<String, Object> keys,
            List<PolicyUpdate.Outcome> outcomes) throws Exception {
        RlTestContext context = new RlTestContext(RlTestContext.settings(steps, 8, lr), moe,
                folder);
        RlStage stage = (RlStage) RlTestContext.kind().create(PluginConfig.of(keys, "test"));
        stage.observing(outcomes::addAll).run(context);
        return context;
    }

    @Test
    void keepSamplingMaskBringsTheIsRatioOfTopPToOne() throws Exception {
        RlTestContext with = run(false, 2, 1e-3, keys("top_p", 0.8,
                "keep_sampling_mask", true), new ArrayList<>());
        RlTestContext without = run(false, 2, 1e-3, keys("top_p", 0.8,
                "keep_sampling_mask", false), new ArrayList<>());
        for (int step = 0; step < 2; step++) {
            double kept = without.series("kept_mass").get(step);
            // An untrained model's next-token distribution is nearly flat: top-p 0.8 drops a
            // fifth of the mass, so the two cases are far apart.
            assertTrue(kept > 0.75 && kept < 0.85, "kept mass " + kept);
            assertEquals(1.0, with.series("is_ratio_mean").get(step), 1e-4);
            assertEquals(kept, without.series("is_ratio_mean").get(step), 1e-4);
        }
    }

    @Test
    void withoutTruncationBothWaysGiveRatioOne() throws Exception {
        RlTestContext without = run(false, 1, 1e-3, keys("keep_sampling_mask", false),
                new ArrayList<>());
        assertEquals(1.0, without.series("kept_mass").get(0), 1e-9);
        assertEquals(1.0, without.series("is_ratio_mean").get(0), 1e-4);
    }

    @Test
    void keepRoutingReplaysTheSamplingRoutingExactly() {
        RlTestContext context = new RlTestContext(RlTestContext.settings(1, 8, 1e-3), true,
                folder);
        RlConfig on = RlConfig.read(PluginConfig.of(keys("keep_routing", true), "test"));
        RlStageKind kind = RlTestContext.kind();
        RolloutSampler sampler = new RolloutSampler(context.model(), context.tokenizer(),
                context.task(), new WeightedRewards(on.rewards(), kind.plugins()), on, null);
        Rollout rollout = sampler.sample(context.task().evaluationSet().get(0),
                SplitMix64.seeded(3));
        assertFalse(rollout.routing().byLayer().isEmpty());
        // Nudge the router so that its own choice now differs from sampling's.
        String gate = "model.layers.0.mlp.gate.weight";
        float[] weights = context.model().parameters().get(gate).value().toArray();
        SplitMix64 noise = SplitMix64.seeded(9);
        for (int i = 0; i < weights.length; i++) {
            weights[i] += (float) (0.5 * noise.nextGaussian());
        }
        context.model().parameters().replace(gate, context.model().parameters().autograd()
                .constant(weights, context.model().parameters().get(gate).shape()).value());
        Routing replayed = new PolicyLogProbs(context.model(), on, null).of(rollout).routing();
        assertEquals(rollout.routing(), replayed);
        RlConfig off = RlConfig.read(PluginConfig.of(keys("keep_routing", false), "test"));
        Routing own = new PolicyLogProbs(context.model(), off, null).of(rollout).routing();
        assertFalse(rollout.routing().equals(own), "the perturbed router chose the same experts");
    }

    @Test
    void routingAgreementIsOneWithKeepRoutingAndMeasuredWithout() throws Exception {
        RlTestContext with = run(true, 3, 3e-2, keys("keep_routing", true, "minibatches", 2),
                new ArrayList<>());
        RlTestContext without = run(true, 3, 3e-2, keys("keep_routing", false,
                "minibatches", 2), new ArrayList<>());
        assertEquals(List.of(1.0, 1.0, 1.0), with.series("routing_agreement"));
        List<Double> measured = without.series("routing_agreement");
        assertEquals(3, measured.size());
        measured.forEach(a -> assertTrue(a >= 0 && a <= 1, "agreement " + a));
        // The second minibatch of each step trains after the first one's update moved the
        // routers: some experts differ from sampling's.
        assertTrue(measured.stream().anyMatch(a -> a < 1), "agreement " + measured);
    }

    @Test
    void theOffPolicyMaskDropsExactlyTheNegativeAdvantageSequencesBeyondDelta()
            throws Exception {
        double delta = 2e-3;
        List<PolicyUpdate.Outcome> outcomes = new ArrayList<>();
        run(false, 3, 5e-2, keys("minibatches", 2, "policy", Map.of("id", "v32", "config",
                Map.of("offpolicy_delta", delta))), outcomes);
        int dropped = 0;
        int negativeKept = 0;
        for (PolicyUpdate.Outcome outcome : outcomes) {
            float[] advantages = outcome.result().advantages().toArray();
            float[] keep = outcome.result().keep().toArray();
            int rows = advantages.length;
            int width = outcome.mask().length / rows;
            for (int i = 0; i < rows; i++) {
                double sum = 0;
                double length = 0;
                for (int t = 0; t < width; t++) {
                    int at = i * width + t;
                    sum += outcome.mask()[at] * (outcome.oldLogProbs()[at]
                            - outcome.logProbs()[at]);
                    length += outcome.mask()[at];
                }
                double offPolicy = sum / Math.max(1, length);
                boolean drop = advantages[i] < 0 && offPolicy > delta;
                assertEquals(drop ? 0f : 1f, keep[i], "completion " + i + ": advantage "
                        + advantages[i] + ", mean log(pi_old/pi) " + offPolicy);
                dropped += drop ? 1 : 0;
                negativeKept += advantages[i] < 0 && !drop ? 1 : 0;
            }
        }
        // Both branches were exercised: some negative-advantage completions dropped, some kept.
        assertTrue(dropped > 0, "no completion was dropped");
        assertTrue(negativeKept > 0, "every negative-advantage completion was dropped");
    }
}
