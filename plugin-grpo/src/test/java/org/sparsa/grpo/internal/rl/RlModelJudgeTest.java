package org.sparsa.grpo.internal.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.Judgement;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardModel;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.rewards.internal.RubricReward;

/**
 * An {@code rl} stage whose reward is a rubric judged by the model an earlier stage trained:
 * every step logs the rubric's value and its {@code unparsed} and {@code items} components
 * (as {@code reward/rubric.rubric.unparsed}, the reward being named {@code rubric}), and the
 * judge's weights stay as they were while the policy's move.
 */
class RlModelJudgeTest {
    @TempDir
    Path folder;

    /** The policy's prompts, each carrying the one rubric item the judge scores. */
    static final class RubricPrompts implements Task {
        private static final List<Example> EXAMPLES = List.of(
                new Example("ab", null, List.of(TinyJudges.ITEM)),
                new Example("de", null, List.of(TinyJudges.ITEM)));

        @Override
        public Example sample(RandomGenerator random) {
            return EXAMPLES.get(random.nextInt(EXAMPLES.size()));
        }

        @Override
        public List<Example> evaluationSet() {
            return EXAMPLES;
        }
    }

    /**
     * Runs two rl steps rewarded by the rubric judged by {@code judge}, the model of the earlier
     * stage {@code judge}, plus the ascii reward, and checks what every judge run must show:
     * each step logs the rubric's value and components as the means of what the rubric reward
     * gave that step's completions; each completion's rubric value is what the judge model's
     * greedy answer says, re-judged here; an unparsed judgement scores 0; the judge's weights
     * never moved while the policy's did.
     *
     * @return the rubric's results, completion by completion
     */
    private List<RewardResult> run(LlamaModel judge) throws Exception {
        Map<String, float[]> judgeBefore = weights(judge);
        RlTestContext context = new RlTestContext(RlTestContext.settings(2, 8, 1e-2),
                RlTestContext.model(false, 16, 32, 11), new RubricPrompts(), folder)
                .earlierStage("judge", judge);
        Map<String, Object> judgeConfig = Map.of("stage", "judge", "template",
                TinyJudges.TEMPLATE);
        Map<String, Object> keys = new LinkedHashMap<>();
        // The ascii reward gives the groups a signal, so that the policy trains.
        keys.put("rewards", List.of(Map.of("id", "rubric", "config", Map.of("judge", "model",
                "judge_config", judgeConfig)), Map.of("id", "ascii")));
        keys.put("group_size", 4);
        keys.put("max_new_tokens", 6);
        keys.put("eval_examples", 2);
        List<Completion> completions = new ArrayList<>();
        List<RewardResult> results = new ArrayList<>();
        RlStageKind kind = RlTestContext.kind();
        RewardModel recorded = (config, rewards) -> {
            RewardFunction rubric = new RubricReward().create(config, rewards);
            return completion -> {
                RewardResult result = rubric.score(completion);
                completions.add(completion);
                results.add(result);
                return result;
            };
        };
        kind.addReward(recorded, Map.of(PluginProperties.ID, "rubric"));
        Map<String, float[]> policyBefore = weights(context.model());
        kind.create(PluginConfig.of(keys, "test")).run(context);

        assertEquals(16, results.size(), "two steps of 8 completions");
        for (String component : List.of("", ".rubric.unparsed", ".rubric.items")) {
            List<Double> logged = context.series("reward/rubric" + component);
            assertEquals(2, logged.size(), component);
            for (int step = 0; step < 2; step++) {
                double sum = 0;
                for (RewardResult result : results.subList(8 * step, 8 * step + 8)) {
                    sum += component.isEmpty() ? result.value()
                            : result.components().get(component.substring(1));
                }
                assertEquals(sum / 8, logged.get(step), 1e-12, component);
            }
        }
        ModelJudge again = new ModelJudge(judge, context.tokenizer(),
                ModelJudgeConfig.read(PluginConfig.of(judgeConfig, "again")));
        for (int i = 0; i < results.size(); i++) {
            Judgement judgement = again.judge(TinyJudges.ITEM, completions.get(i));
            RewardResult result = results.get(i);
            assertEquals(judgement.score(), result.value(), completions.get(i).text());
            assertEquals(judgement.parsed() ? 0.0 : 1.0, result.components()
                    .get("rubric.unparsed"), completions.get(i).text());
        }
        Map<String, float[]> judgeAfter = weights(judge);
        judgeBefore.forEach((name, values) -> assertArrayEquals(values, judgeAfter.get(name),
                name));
        Map<String, float[]> policyAfter = weights(context.model());
        assertFalse(policyBefore.keySet().stream().allMatch(name -> Arrays.equals(
                policyBefore.get(name), policyAfter.get(name))), "the policy never moved");
        return results;
    }

    private static Map<String, float[]> weights(LlamaModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : model.parameters().names()) {
            out.put(name, model.parameters().get(name).value().toArray());
        }
        return out;
    }

    private static long unparsed(List<RewardResult> results) {
        return results.stream().filter(r -> r.components().get("rubric.unparsed") > 0).count();
    }

    @Test
    void anUntrainedJudgesUnparsedJudgementsAreCountedInTheStepsMetrics() throws Exception {
        List<RewardResult> results = run(TinyJudges.untrained(4));
        // Random weights answer mostly bytes that hold no score.
        assertTrue(unparsed(results) > results.size() / 2, results.toString());
    }

    @Test
    void aTrainedJudgesScoresAreTheReward() throws Exception {
        List<RewardResult> results = run(TinyJudges.trained());
        // It learned to answer with a score; on the policy's random bytes, mostly a parsable one.
        assertTrue(unparsed(results) < results.size() / 2, results.toString());
        assertTrue(results.stream().anyMatch(r -> r.value() > 0), results.toString());
    }
}
