package org.sparsa.rewards.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.reward.RubricItem;

class CompositeRewardTest {
    private static final TestRewardContext CONTEXT = new TestRewardContext();
    private static final Completion GOOD = Completion.builder("<think>2+2</think> \\boxed{4}")
            .reference("4").build();
    private static final Completion WRONG_UNFORMATTED = Completion.builder("\\boxed{5}")
            .reference("4").build();

    private static RewardFunction composite(Object... parts) {
        return CONTEXT.create("composite", Map.of("components", List.of(parts)));
    }

    @Test
    void valueIsTheWeightedSumAndComponentsAreUnweighted() {
        RewardFunction reward = composite(
                Map.of("reward", "accuracy", "weight", 2.0),
                Map.of("reward", "format", "weight", 0.5),
                Map.of("reward", "overlong", "weight", -1, "config", Map.of("max_len", 20, "cache", 10)));
        // GOOD is 28 bytes, past max_len: overlong gives -1, weighted by -1. WRONG is 9 bytes: 0.
        RewardResult good = reward.score(GOOD);
        assertEquals(2.0 * 1 + 0.5 * 1 + (-1) * (-1), good.value(), 1e-12);
        assertEquals(Map.of("accuracy", 1.0, "format", 1.0, "overlong", -1.0), good.components());
        assertEquals(List.of("accuracy", "format", "overlong"), List.copyOf(good.components().keySet()));

        RewardResult wrong = reward.score(WRONG_UNFORMATTED);
        assertEquals(0.0 + 0.0 + 0.0, wrong.value(), 1e-12);
        assertEquals(Map.of("accuracy", 0.0, "format", 0.0, "overlong", 0.0), wrong.components());
    }

    @Test
    void weightDefaultsToOne() {
        RewardFunction reward = composite(Map.of("reward", "accuracy"), Map.of("reward", "format"));
        assertEquals(2.0, reward.score(GOOD).value(), 1e-12);
    }

    @Test
    void namesReplaceIdsAndNestedComponentsAreReportedWithDots() {
        RewardFunction reward = composite(
                Map.of("reward", "accuracy", "name", "correct"),
                Map.of("reward", "composite", "name", "inner", "weight", 0.5, "config",
                        Map.of("components", List.of(
                                Map.of("reward", "format", "name", "fmt"),
                                Map.of("reward", "language_consistency", "name", "lang")))),
                Map.of("reward", "rubric", "name", "rub"));
        Completion completion = Completion.builder("<think>the cat 坐</think>\\boxed{4}")
                .reference("4")
                .rubric(List.of(new RubricItem("contains: 4", 1), new RubricItem("nonsense", 1)))
                .build();
        RewardResult result = reward.score(completion);
        double lang = 2.0 / 3.0;
        double inner = 1.0 + lang;
        assertEquals(List.of("correct", "inner", "inner.fmt", "inner.lang", "rub", "rub.rubric.unparsed",
                "rub.rubric.items"), List.copyOf(result.components().keySet()));
        assertEquals(1.0, result.components().get("correct"));
        assertEquals(inner, result.components().get("inner"), 1e-12);
        assertEquals(1.0, result.components().get("inner.fmt"));
        assertEquals(lang, result.components().get("inner.lang"), 1e-12);
        assertEquals(0.5, result.components().get("rub"), 1e-12);
        assertEquals(1.0, result.components().get("rub.rubric.unparsed"));
        assertEquals(2.0, result.components().get("rub.rubric.items"));
        assertEquals(1.0 + 0.5 * inner + 0.5, result.value(), 1e-12);
    }

    @Test
    void unknownRewardIdIsAConfigErrorOnThatPart() {
        ConfigException e = assertThrows(ConfigException.class, () -> CONTEXT.reward("composite",
                PluginConfig.of(Map.of("components", List.of(Map.of("reward", "accuracy"),
                        Map.of("reward", "no_such_reward"))), "recipe.yaml:4")));
        assertEquals("reward", e.key());
        assertEquals("recipe.yaml:4 > components[1]", e.origin());
        assertTrue(e.getMessage().contains("no_such_reward"), e.getMessage());
        assertTrue(e.getMessage().contains("accuracy"), "lists the known ids: " + e.getMessage());
    }

    @Test
    void duplicateNamesAreRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> composite(Map.of("reward", "accuracy"), Map.of("reward", "accuracy")));
        assertEquals("name", e.key());
        assertTrue(e.getMessage().contains("'accuracy'"), e.getMessage());
        ConfigException renamed = assertThrows(ConfigException.class, () -> composite(
                Map.of("reward", "accuracy", "name", "x"), Map.of("reward", "format", "name", "x")));
        assertEquals("name", renamed.key());
        // Distinct names for the same reward are fine.
        composite(Map.of("reward", "accuracy"), Map.of("reward", "accuracy", "name", "again"));
    }

    @Test
    void malformedPartsAreRejectedByKey() {
        assertEquals("name", assertThrows(ConfigException.class,
                () -> composite(Map.of("reward", "accuracy", "name", "a.b"))).key());
        assertEquals("reward", assertThrows(ConfigException.class,
                () -> composite(Map.of("weight", 1))).key());
        assertEquals("weight", assertThrows(ConfigException.class,
                () -> composite(Map.of("reward", "accuracy", "weight", "heavy"))).key());
        assertEquals("weight", assertThrows(ConfigException.class,
                () -> composite(Map.of("reward", "accuracy", "weight", Double.NaN))).key());
        assertEquals("colour", assertThrows(ConfigException.class,
                () -> composite(Map.of("reward", "accuracy", "colour", "red"))).key());
        assertEquals("components", assertThrows(ConfigException.class,
                () -> CONTEXT.create("composite", Map.of())).key());
        assertEquals("components", assertThrows(ConfigException.class,
                () -> CONTEXT.create("composite", Map.of("components", "accuracy"))).key());
        assertEquals("components[0]", assertThrows(ConfigException.class,
                () -> CONTEXT.create("composite", Map.of("components", List.of("accuracy")))).key());
    }

    @Test
    void errorsInsideAPartsConfigKeepTheirKeyAndOrigin() {
        ConfigException e = assertThrows(ConfigException.class, () -> CONTEXT.reward("composite",
                PluginConfig.of(Map.of("components", List.of(Map.of("reward", "overlong",
                        "config", Map.of("max_len", 10, "cache", 0)))), "recipe.yaml:9")));
        assertEquals("cache", e.key());
        assertEquals("recipe.yaml:9 > components[0] > config", e.origin());
    }

    @Test
    void aCompositeWithAGroupLevelPartScoresByGroup() {
        RewardFunction plain = composite(Map.of("reward", "accuracy"), Map.of("reward", "format"));
        assertFalse(plain.groupLevel());

        RewardFunction grouped = composite(Map.of("reward", "accuracy"),
                Map.of("reward", "length", "weight", 2.0));
        assertTrue(grouped.groupLevel());
        List<Completion> group = List.of(
                Completion.builder("\\boxed{4}").reference("4").lengthTokens(10).build(),
                Completion.builder("\\boxed{5}").reference("4").lengthTokens(20).build(),
                Completion.builder("\\boxed{4}").reference("4").lengthTokens(30).build());
        List<RewardResult> results = grouped.scoreGroup(group);
        assertEquals(3, results.size());
        assertEquals(1.0 + 2 * 0.5, results.get(0).value(), 1e-12);
        assertEquals(0.0 + 2 * 0.0, results.get(1).value(), 1e-12);
        assertEquals(1.0 + 2 * -0.5, results.get(2).value(), 1e-12);
        assertEquals(Map.of("accuracy", 1.0, "length", -0.5), results.get(2).components());
        // Alone, a completion is a group of one: the length part gives 0.
        assertEquals(1.0, grouped.score(group.get(0)).value(), 1e-12);
        assertEquals(List.of(), grouped.scoreGroup(List.of()));
    }
}
