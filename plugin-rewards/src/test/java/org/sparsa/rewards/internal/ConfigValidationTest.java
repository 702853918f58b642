package org.sparsa.rewards.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.Completion;
import org.sparsa.rewards.internal.judge.RuleJudge;

class ConfigValidationTest {
    private static final TestRewardContext CONTEXT = new TestRewardContext();
    private static final String ORIGIN = "recipe.yaml:7";

    private static ConfigException rejected(String id, Map<String, ?> config) {
        return assertThrows(ConfigException.class,
                () -> CONTEXT.reward(id, PluginConfig.of(config, ORIGIN)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"accuracy", "format", "language_consistency", "overlong", "length",
            "composite", "rubric"})
    void unknownKeysAreNamedWithTheirOrigin(String id) {
        ConfigException e = rejected(id, Map.of("bogus_key", 1));
        assertEquals("bogus_key", e.key());
        assertEquals(ORIGIN, e.origin());
        assertTrue(e.getMessage().startsWith(ORIGIN + ": bogus_key: unknown key"), e.getMessage());
    }

    @Test
    void theRuleJudgeRejectsUnknownKeysAndBadBudgets() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> new RuleJudge().create(PluginConfig.of(Map.of("strict", true), ORIGIN)));
        assertEquals("strict", unknown.key());
        assertTrue(unknown.getMessage().contains(ORIGIN), unknown.getMessage());
        for (Object bad : List.of(0, -5, "lots")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> new RuleJudge().create(PluginConfig.of(Map.of("regex_budget", bad), ORIGIN)));
            assertEquals("regex_budget", e.key());
        }
    }

    @Test
    void overlongChecksTypesAndBounds() {
        assertEquals("max_len", rejected("overlong", Map.of("max_len", "long")).key());
        assertEquals("max_len", rejected("overlong", Map.of("max_len", 1.5)).key());
        assertEquals("cache", rejected("overlong", Map.of("max_len", 100, "cache", List.of(1))).key());
        assertEquals("max_len", rejected("overlong", Map.of("max_len", 0, "cache", 1)).key());
        assertEquals("cache", rejected("overlong", Map.of("max_len", 100, "cache", 0)).key());
        assertEquals("cache", rejected("overlong", Map.of("max_len", 100, "cache", -3)).key());
        assertEquals("cache", rejected("overlong", Map.of("max_len", 100, "cache", 101)).key());
        // Without max_len, cache is checked against the default 4096.
        assertEquals("cache", rejected("overlong", Map.of("cache", 5000)).key());
        // cache == max_len is allowed: the ramp spans the whole range.
        assertEquals(-0.5, CONTEXT.create("overlong", Map.of("max_len", 10, "cache", 10))
                .score(Completion.builder("").lengthTokens(5).build()).value(), 1e-12);
        // Integral numbers given as text or doubles are accepted, as PluginConfig reads them.
        assertEquals(-1.0, CONTEXT.create("overlong", Map.of("max_len", "10", "cache", 2.0))
                .score(Completion.builder("").lengthTokens(11).build()).value());
    }

    @Test
    void overlongDefaultsAndByteLengths() {
        var reward = CONTEXT.create("overlong", Map.of());
        assertEquals(0.0, reward.score(Completion.builder("").lengthTokens(3072).build()).value());
        assertEquals(-0.5, reward.score(Completion.builder("").lengthTokens(3584).build()).value());
        assertEquals(-1.0, reward.score(Completion.builder("").lengthTokens(4097).build()).value());
        // Without a token count, UTF-8 bytes count: "é" is two bytes.
        var small = CONTEXT.create("overlong", Map.of("max_len", 4, "cache", 2));
        assertEquals(-0.5, small.score(Completion.of("aé")).value(), 1e-12);
        assertEquals(0.0, small.score(Completion.of("ab")).value());
    }

    @Test
    void languageTargetMustBeEnOrZh() {
        assertEquals("target", rejected("language_consistency", Map.of("target", "fr")).key());
        assertEquals("target", rejected("language_consistency", Map.of("target", List.of("en"))).key());
        assertTrue(rejected("language_consistency", Map.of("target", "fr")).getMessage()
                .contains("'fr'"));
        Completion mixed = Completion.of("<think>我们 compute 一下</think>");
        assertEquals(0.8, CONTEXT.create("language_consistency", Map.of("target", "ZH"))
                .score(mixed).value(), 1e-12);
        assertEquals(0.2, CONTEXT.create("language_consistency", Map.of())
                .score(mixed).value(), 1e-12);
    }

    @Test
    void rewardsWithoutKeysAcceptTheEmptyConfiguration() {
        for (String id : List.of("accuracy", "format", "language_consistency", "overlong", "length",
                "rubric")) {
            assertTrue(Double.isFinite(CONTEXT.reward(id, PluginConfig.empty())
                    .score(Completion.of("<think>x</think>\\boxed{1}")).value()), id);
        }
    }
}
