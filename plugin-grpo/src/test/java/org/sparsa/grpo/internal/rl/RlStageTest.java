package org.sparsa.grpo.internal.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.api.policy.PolicyLoss;
import org.sparsa.api.policy.PolicyLossResult;
import org.sparsa.core.random.SplitMix64;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The {@code rl} stage end to end on a tiny model: every per-step metric, seeded determinism,
 * dynamic sampling, overlong masking, the reference's refresh, checkpoints, and the errors of
 * its keys.
 */
class RlStageTest {
    /** Every metric a step reports on a dense model. */
    static final List<String> STEP_METRICS = List.of("reward/mean", "reward/std",
            "reward/ascii", "reward/ascii.chars", "accuracy", "zero_std_fraction", "groups",
            "completion_length/mean", "completion_length/max", "truncated_fraction", "loss",
            "lr", "grad_norm", "clip_fraction", "is_ratio_mean", "kl", "offpolicy_kl",
            "masked_fraction", "entropy", "kept_mass", "samples_per_s", "tokens_per_s");

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
        ((RlStage) RlTestContext.kind().create(PluginConfig.of(keys, "test")))
                .observing(outcomes::addAll).run(context);
        return context;
    }

    @Test
    void everyStepReportsEveryMetricAndTheEndEvaluates() throws Exception {
        RlTestContext dense = run(false, 3, 1e-2, keys("minibatches", 2, "top_p", 0.9),
                new ArrayList<>());
        // Three step lines, then the evaluation at the end.
        assertEquals(4, dense.lines.size());
        for (int step = 0; step < 3; step++) {
            Map<String, Double> line = dense.lines.get(step);
            for (String metric : STEP_METRICS) {
                assertTrue(line.containsKey(metric), "step " + step + " lacks " + metric
                        + ": " + line.keySet());
                assertTrue(Double.isFinite(line.get(metric)), metric + " " + line.get(metric));
            }
            assertEquals(2.0, line.get("groups"));
            assertTrue(line.get("entropy") > 0);
        }
        assertTrue(dense.lines.get(3).containsKey("eval/exact_match"), dense.lines.get(3)
                .toString());
        RlTestContext moe = run(true, 1, 1e-2, keys(), new ArrayList<>());
        assertTrue(moe.lines.get(0).containsKey("routing_agreement"));
    }

    @Test
    void theSameSeedGivesTheSameRunBitForBit() throws Exception {
        Map<String, Object> keys = keys("minibatches", 2, "top_k", 50, "temperature", 0.8);
        List<Map<String, Double>> first = run(false, 3, 1e-2, keys, new ArrayList<>()).lines;
        List<Map<String, Double>> second = run(false, 3, 1e-2, keys, new ArrayList<>()).lines;
        first.forEach(l -> l.keySet().removeAll(List.of("samples_per_s", "tokens_per_s")));
        second.forEach(l -> l.keySet().removeAll(List.of("samples_per_s", "tokens_per_s")));
        assertEquals(first, second);
    }

    @Test
    void dynamicSamplingDropsGroupsOfEqualRewardsAndRefills() throws Exception {
        // The "zz" prompt's groups all score 0.5: a third of the groups carry no signal.
        List<PolicyUpdate.Outcome> plain = new ArrayList<>();
        RlTestContext without = run(false, 6, 1e-3, keys(), plain);
        assertTrue(without.series("zero_std_fraction").stream().anyMatch(f -> f > 0));
        List<PolicyUpdate.Outcome> dynamic = new ArrayList<>();
        RlTestContext with = run(false, 6, 1e-3, keys("dynamic_sampling", true,
                "max_resample", 20), dynamic);
        assertTrue(with.series("zero_std_fraction").stream().anyMatch(f -> f > 0),
                "no zero-std group was sampled, the test shows nothing");
        assertEquals(List.of(2.0, 2.0, 2.0, 2.0, 2.0, 2.0), with.series("groups"));
        for (PolicyUpdate.Outcome outcome : dynamic) {
            float[] rewards = outcome.result().advantages().toArray();
            // Groups of 4: no trained group has all-zero advantages.
            for (int g = 0; g < rewards.length; g += 4) {
                boolean allZero = true;
                for (int i = g; i < g + 4; i++) {
                    allZero &= rewards[i] == 0;
                }
                assertTrue(!allZero, "a trained group has no signal");
            }
        }
        // Without refills a step may end short: it trains on the groups that are left.
        RlTestContext capped = run(false, 6, 1e-3, keys("dynamic_sampling", true,
                "max_resample", 0), new ArrayList<>());
        assertTrue(capped.series("groups").stream().allMatch(g -> g <= 2));
    }

    @Test
    void aStepLeftWithFewerGroupsThanMinibatchesTrainsOnEachGroup() throws Exception {
        List<PolicyUpdate.Outcome> outcomes = new ArrayList<>();
        RlTestContext context = run(false, 8, 1e-3, keys("dynamic_sampling", true,
                "max_resample", 0, "minibatches", 2), outcomes);
        List<Double> groups = context.series("groups");
        assertTrue(groups.contains(1.0), "no step ended with one group, so the test shows "
                + "nothing: " + groups);
        // One update per group, up to the two minibatches.
        assertEquals(groups.stream().mapToDouble(g -> Math.min(g, 2)).sum(), outcomes.size());
    }

    @Test
    void overlongMaskingLeavesTruncatedCompletionsOutOfTheLoss() {
        RlTestContext context = new RlTestContext(RlTestContext.settings(1, 8, 1e-3), false,
                folder);
        for (boolean overlong : new boolean[] {false, true}) {
            RlConfig config = RlConfig.read(PluginConfig.of(keys("max_new_tokens", 3,
                    "overlong_mask", overlong), "test"));
            Rollout rollout = new RolloutSampler(context.model(), context.tokenizer(),
                    context.task(), new WeightedRewards(config.rewards(),
                    RlTestContext.kind().plugins()), config, null)
                    .sample(context.task().evaluationSet().get(0), SplitMix64.seeded(1));
            int truncated = 0;
            for (int g = 0; g < rollout.size(); g++) {
                truncated += rollout.truncated()[g] ? 1 : 0;
                for (int s = 0; s < rollout.width(); s++) {
                    float expected = rollout.truncated()[g] && overlong ? 0
                            : s < rollout.lengths()[g] ? 1 : 0;
                    assertEquals(expected, rollout.mask()[g * rollout.width() + s]);
                }
            }
            // An untrained model seldom ends within three tokens.
            assertTrue(truncated > 0);
        }
    }

    @Test
    void aReferenceRefreshedEveryStepStartsEachStepAtTheSampler() throws Exception {
        RlTestContext refreshed = run(false, 4, 5e-2, keys("reference_refresh", 1),
                new ArrayList<>());
        RlTestContext frozen = run(false, 4, 5e-2, keys("reference_refresh", 0),
                new ArrayList<>());
        // One on-policy minibatch per step: with the reference copied at the step's start, the
        // policy, the sampler and the reference agree, so the KL is rounding only.
        refreshed.series("kl").forEach(kl -> assertTrue(Math.abs(kl) < 1e-5, "kl " + kl));
        List<Double> kl = frozen.series("kl");
        assertTrue(kl.get(3) > 1e-4, "kl to the frozen reference " + kl);
        assertNotEquals(refreshed.series("kl"), kl);
    }

    @Test
    void checkpointsSaveTheStreamsAndTheReference() throws Exception {
        RlTestContext context = run(false, 2, 1e-2, keys(), new ArrayList<>());
        assertEquals(2, context.saved.step());
        assertTrue(context.saved.rngStates().keySet().containsAll(List.of("data", "sample")));
        Path file = folder.resolve("rl-test.reference.bin");
        assertTrue(Files.size(file) > 0);
        ReferencePolicy reference = new ReferencePolicy(context.model().parameters());
        assertTrue(reference.matchesPolicy());
        reference.load(file);
        // The frozen reference holds the stage's starting weights, which training moved from.
        assertTrue(!reference.matchesPolicy());
    }

    @Test
    void aStageResumedFromItsCheckpointContinuesBitForBit() throws Exception {
        Map<String, Object> keys = keys("minibatches", 2, "top_p", 0.9, "reference_refresh", 3,
                "dynamic_sampling", true, "max_resample", 2);
        RlTestContext whole = new RlTestContext(RlTestContext.settings(5, 8, 1e-2, 2), false,
                Files.createDirectories(folder.resolve("whole")));
        RlTestContext.kind().create(PluginConfig.of(keys, "test")).run(whole);

        RlTestContext broken = new RlTestContext(RlTestContext.settings(5, 8, 1e-2, 2), false,
                Files.createDirectories(folder.resolve("broken")));
        broken.crashAt = 3;
        assertThrows(IllegalStateException.class,
                () -> RlTestContext.kind().create(PluginConfig.of(keys, "test")).run(broken));
        assertEquals(2, broken.saved.step());
        broken.crashAt = 0;
        broken.resume = true;
        RlTestContext.kind().create(PluginConfig.of(keys, "test")).run(broken);

        List<Map<String, Double>> expected = whole.lines;
        List<Map<String, Double>> resumed = broken.lines;
        for (List<Map<String, Double>> lines : List.of(expected, resumed)) {
            lines.forEach(l -> l.keySet().removeAll(List.of("samples_per_s", "tokens_per_s")));
        }
        // Steps 1-2 before the crash, then 3-5 and the evaluation after the resume.
        assertEquals(expected.size(), resumed.size());
        assertEquals(expected, resumed);
    }

    @Test
    void keysAreCheckedByName() {
        RlStageKind kind = RlTestContext.kind();
        ConfigException unknown = assertThrows(ConfigException.class, () -> kind.create(
                PluginConfig.of(keys("top_q", 0.9), "test")));
        assertTrue(unknown.getMessage().contains("top_q"), unknown.getMessage());
        ConfigException noRewards = assertThrows(ConfigException.class, () -> kind.create(
                PluginConfig.of(Map.of("group_size", 4), "test")));
        assertTrue(noRewards.getMessage().contains("rewards"), noRewards.getMessage());
        ConfigException topP = assertThrows(ConfigException.class, () -> kind.create(
                PluginConfig.of(keys("top_p", 1.5), "test")));
        assertTrue(topP.getMessage().contains("top_p"), topP.getMessage());
        ConfigException greedy = assertThrows(ConfigException.class, () -> kind.create(
                PluginConfig.of(keys("temperature", 0), "test")));
        assertTrue(greedy.getMessage().contains("temperature"), greedy.getMessage());
        ConfigException group = assertThrows(ConfigException.class, () -> kind.create(
                PluginConfig.of(keys("group_size", 1), "test")));
        assertTrue(group.getMessage().contains("group_size"), group.getMessage());
        IllegalArgumentException reward = assertThrows(IllegalArgumentException.class,
                () -> run(false, 1, 1e-3, Map.of("rewards", List.of(Map.of("id", "nope"))),
                        new ArrayList<>()));
        assertTrue(reward.getMessage().contains("nope") && reward.getMessage()
                .contains("ascii"), reward.getMessage());
        IllegalArgumentException policy = assertThrows(IllegalArgumentException.class,
                () -> run(false, 1, 1e-3, keys("policy", Map.of("id", "ppo")),
                        new ArrayList<>()));
        assertTrue(policy.getMessage().contains("ppo"), policy.getMessage());
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> run(false, 1, 1e-3, keys("group_size", 3), new ArrayList<>()));
        assertTrue(batch.getMessage().contains("group_size"), batch.getMessage());
    }

    @Test
    void theKindPublishesItsIdAndEveryKey() throws Exception {
        String name = RlStageKind.class.getName();
        Map<String, String> properties = new LinkedHashMap<>();
        try (InputStream xml = RlStageKind.class.getClassLoader()
                .getResourceAsStream("OSGI-INF/" + name + ".xml")) {
            NodeList nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml)
                    .getElementsByTagName("property");
            for (int i = 0; i < nodes.getLength(); i++) {
                Element property = (Element) nodes.item(i);
                properties.put(property.getAttribute("name"), property.hasAttribute("value")
                        ? property.getAttribute("value") : property.getTextContent());
            }
        }
        assertEquals(PluginKind.STAGE.name(), properties.get(PluginProperties.KIND));
        assertEquals("rl", properties.get(PluginProperties.ID));
        assertEquals(RlConfig.KEYS, properties.get(PluginProperties.CONFIG).lines()
                .map(String::strip).map(ConfigKey::parse).map(ConfigKey::name).toList());
    }

    @Test
    void nonFiniteUpdatesAreSkippedAndTooManyInARowStopTheStage() throws Exception {
        RlStageKind kind = RlTestContext.kind();
        // GRPO's loss times NaN: every update's loss and gradients are non-finite.
        kind.addObjective(config -> {
            PolicyLoss grpo = new org.sparsa.grpo.internal.GrpoObjective().create(config);
            return batch -> {
                PolicyLossResult result = grpo.compute(batch);
                return new PolicyLossResult(result.loss().ops().scale(result.loss(), Double.NaN),
                        result.advantages(), result.keep(), result.metrics());
            };
        }, Map.of(PluginProperties.ID, "nan"));
        RlTestContext context = new RlTestContext(RlTestContext.settings(5, 8, 1e-2)
                .withMaxNonFiniteSteps(3), false, folder);
        float[] before = context.model().parameters().get("lm_head.weight").value().toArray();
        IllegalStateException stop = assertThrows(IllegalStateException.class, () -> kind
                .create(PluginConfig.of(keys("policy", Map.of("id", "nan"), "minibatches", 2),
                        "test")).run(context));
        assertTrue(stop.getMessage().contains("max_nonfinite_steps is 3"), stop.getMessage());
        // Two minibatch updates a step: the first step's two are skipped, the second step's
        // first is the third in a row, which stops the stage; no weight ever moved.
        assertEquals(List.of("nonfinite_step@1", "nonfinite_step@1", "nonfinite_step@2"),
                context.events);
        assertTrue(java.util.Arrays.equals(before, context.model().parameters()
                .get("lm_head.weight").value().toArray()));
    }
}
