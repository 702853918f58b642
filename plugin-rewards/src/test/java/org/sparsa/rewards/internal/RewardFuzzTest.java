package org.sparsa.rewards.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.reward.RubricItem;

/**
 * Fuzzes every reward with generated completions, references and rubric rules (what a task
 * file or a judge's rubric hands in): text made of the pieces the parsers look for
 * ({@code \boxed{}}, think tags, numbers, braces) mixed with arbitrary Unicode. Every score
 * comes back within seconds, finite and in the reward's range, for single completions and for
 * a group.
 */
class RewardFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final TestRewardContext CONTEXT = new TestRewardContext();
    private static final Map<String, Object> RUBRIC_CONFIG =
            Map.of("judge_config", Map.of("regex_budget", 100_000));
    private static final RewardFunction ACCURACY = CONTEXT.create("accuracy", Map.of());
    private static final RewardFunction FORMAT = CONTEXT.create("format", Map.of());
    private static final RewardFunction LANGUAGE = CONTEXT.create("language_consistency",
            Map.of("target", "zh"));
    private static final RewardFunction OVERLONG = CONTEXT.create("overlong",
            Map.of("max_len", 64, "cache", 16));
    private static final RewardFunction LENGTH = CONTEXT.create("length", Map.of());
    private static final RewardFunction RUBRIC = CONTEXT.create("rubric", RUBRIC_CONFIG);

    @Property(tries = 1000)
    void everyRewardScoresAnyCompletionFiniteAndInRange(@ForAll("texts") String text,
            @ForAll("texts") String reference, @ForAll("rubrics") List<RubricItem> rubric) {
        Completion completion = Completion.builder(text).reference(reference).rubric(rubric)
                .build();
        assertTimeoutPreemptively(LIMIT, () -> {
            inRange(ACCURACY.score(completion), 0, 1);
            inRange(FORMAT.score(completion), 0, 1);
            inRange(LANGUAGE.score(completion), 0, 1);
            inRange(OVERLONG.score(completion), -1, 0);
            inRange(LENGTH.score(completion), 0, 0);
            inRange(RUBRIC.score(completion), 0, 1);
        });
    }

    @Property(tries = 1000)
    void groupsOfAnyCompletionsScoreFiniteAndInRange(@ForAll("groups") List<String> texts) {
        List<Completion> group = texts.stream().map(t -> Completion.builder(t).reference("7")
                .build()).toList();
        assertTimeoutPreemptively(LIMIT, () -> {
            List<RewardResult> lengths = LENGTH.scoreGroup(group);
            assertEquals(group.size(), lengths.size());
            lengths.forEach(r -> inRange(r, -0.5, 0.5));
            ACCURACY.scoreGroup(group).forEach(r -> inRange(r, 0, 1));
        });
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.of("\\boxed{", "}", "{", "<think>", "</think>", "7", "-3.5e2",
                        "1/2", "\\frac{1}{2}", " ", "\n", "答案", "😀", "\ud800", "\u0000",
                        "$", "\\", "=", "x"),
                Arbitraries.strings().ofMaxLength(8));
        return piece.list().ofMaxSize(30).map(parts -> String.join("", parts));
    }

    @Provide
    Arbitrary<List<RubricItem>> rubrics() {
        Arbitrary<String> rule = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of("contains", "icontains", "not_contains",
                        "equals", "regex", "numeric", "max_length", "min_length", "nonsense"),
                        Arbitraries.oneOf(Arbitraries.of("7", "(a+)+$", "[", "7 ± 1", "1e999",
                                "-1", "", "\\", "(?<x>a)\\k<x>"),
                                Arbitraries.strings().ofMaxLength(10)))
                        .as((kind, argument) -> kind + ": " + argument),
                Arbitraries.strings().ofMaxLength(20));
        Arbitrary<Double> weight = Arbitraries.oneOf(Arbitraries.doubles().between(0, 10),
                Arbitraries.of(0.0, Double.MAX_VALUE, Double.MIN_VALUE));
        return Combinators.combine(rule, weight).as(RubricItem::new).list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<String>> groups() {
        return texts().list().ofMinSize(1).ofMaxSize(6);
    }

    private static void inRange(RewardResult result, double low, double high) {
        assertTrue(Double.isFinite(result.value()) && result.value() >= low
                && result.value() <= high, result.toString());
        result.components().values().forEach(v -> assertTrue(Double.isFinite(v),
                result.toString()));
    }
}
