package org.sparsa.rewards.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.Judgement;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.reward.RubricItem;

class RubricRewardTest {
    private static final TestRewardContext CONTEXT = new TestRewardContext();

    private static RewardResult score(RewardFunction reward, String text, RubricItem... items) {
        return reward.score(Completion.builder(text).rubric(List.of(items)).build());
    }

    private static RewardFunction ruleRubric() {
        return CONTEXT.create("rubric", Map.of());
    }

    @Test
    void valueIsTheWeightedMeanOfTheRuleJudgesScores() {
        RewardResult result = score(ruleRubric(), "<think>b</think>alpha",
                new RubricItem("contains: alpha", 3), new RubricItem("contains: b", 1));
        assertEquals(0.75, result.value(), 1e-12);
        assertEquals(Map.of("rubric.unparsed", 0.0, "rubric.items", 2.0), result.components());
        assertFalse(ruleRubric().groupLevel());
    }

    @Test
    void unparsableCriteriaScoreZeroAndAreCounted() {
        RewardResult result = score(ruleRubric(), "alpha",
                new RubricItem("smells nice", 1), new RubricItem("contains: alpha", 1),
                new RubricItem("sounds: loud", 2), new RubricItem("regex: (", 0));
        assertEquals(1.0 / 4.0, result.value(), 1e-12);
        assertEquals(3.0, result.components().get("rubric.unparsed"));
        assertEquals(4.0, result.components().get("rubric.items"));
    }

    @Test
    void emptyRubricOrZeroWeightScoresZero() {
        RewardResult empty = score(ruleRubric(), "alpha");
        assertEquals(0.0, empty.value());
        assertEquals(Map.of("rubric.unparsed", 0.0, "rubric.items", 0.0), empty.components());

        RewardResult weightless = score(ruleRubric(), "alpha", new RubricItem("contains: alpha", 0),
                new RubricItem("contains: a", 0));
        assertEquals(0.0, weightless.value());
        assertEquals(2.0, weightless.components().get("rubric.items"));
    }

    @Test
    void fractionalScoresFromAnotherJudgeAreAveragedByWeight() {
        JudgeFunction scoreInCriterion = (item, completion) -> item.criterion().equals("?")
                ? Judgement.unparsed("no score")
                : new Judgement(Double.parseDouble(item.criterion()), true, "");
        RewardFunction reward = CONTEXT.withJudge("fixed", scoreInCriterion)
                .create("rubric", Map.of("judge", "fixed"));
        RewardResult result = score(reward, "anything", new RubricItem("0.2", 1),
                new RubricItem("0.8", 3), new RubricItem("?", 1));
        assertEquals((0.2 * 1 + 0.8 * 3 + 0 * 1) / 5, result.value(), 1e-12);
        assertEquals(1.0, result.components().get("rubric.unparsed"));
    }

    @Test
    void hugeWeightsDoNotOverflow() {
        RewardResult result = score(ruleRubric(), "alpha", new RubricItem("contains: alpha", 1e308),
                new RubricItem("contains: beta", 1e308), new RubricItem("contains: alpha", 1e308));
        assertEquals(2.0 / 3.0, result.value(), 1e-12);
    }

    @Test
    void judgeConfigReachesTheJudge() {
        RubricItem catastrophic = new RubricItem("regex: (.*a){12}b", 1);
        String text = "a".repeat(30) + "!";
        RewardFunction tightRubric = CONTEXT.create("rubric",
                Map.of("judge_config", Map.of("regex_budget", 1000)));
        RewardResult tight = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> score(tightRubric, text, catastrophic));
        assertEquals(1.0, tight.components().get("rubric.unparsed"));
        assertEquals(0.0, tight.value());
        RewardResult roomy = score(CONTEXT.create("rubric", Map.of()), "aab",
                new RubricItem("regex: (.*a){2}b", 1));
        assertEquals(1.0, roomy.value());
        assertEquals(0.0, roomy.components().get("rubric.unparsed"));
        ConfigException e = assertThrows(ConfigException.class, () -> CONTEXT.create("rubric",
                Map.of("judge_config", Map.of("regex_limit", 10))));
        assertEquals("regex_limit", e.key());
        assertTrue(e.origin().endsWith("> judge_config"), e.origin());
    }

    @Test
    void unknownJudgeIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> CONTEXT.create("rubric", Map.of("judge", "oracle")));
        assertEquals("judge", e.key());
        assertTrue(e.getMessage().contains("oracle") && e.getMessage().contains("rule"),
                e.getMessage());
        assertEquals("judge_config", assertThrows(ConfigException.class,
                () -> CONTEXT.create("rubric", Map.of("judge_config", "strict"))).key());
    }
}
