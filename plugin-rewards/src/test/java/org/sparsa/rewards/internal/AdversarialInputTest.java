package org.sparsa.rewards.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.reward.RubricItem;

/**
 * Every reward on hostile text: megabyte strings of braces, boxes, digits and tags, unbalanced
 * tags, control characters, lone surrogates, non-BMP text and the empty string. Each score must
 * come back within 5 s, finite and in the reward's range, and some have known values.
 */
class AdversarialInputTest {
    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final int MEGA = 1 << 20;
    private static final TestRewardContext CONTEXT = new TestRewardContext();

    private static final String DIGITS = "7".repeat(MEGA);
    private static final String DEEP_BRACES = "{".repeat(MEGA / 2) + "}".repeat(MEGA / 2);
    private static final Map<String, String> HOSTILE = hostileInputs();

    private static final List<RubricItem> RUBRIC = List.of(
            new RubricItem("contains: 7", 1),
            new RubricItem("icontains: THINK", 1),
            new RubricItem("not_contains: {", 1),
            new RubricItem("equals: 7", 1),
            new RubricItem("regex: (a+)+$", 1),
            new RubricItem("regex: (.*a){12}b", 1),
            new RubricItem("regex: (a|b|\\{)*c", 1),
            new RubricItem("numeric: 7 ± 1e300", 1),
            new RubricItem("max_length: 100", 1),
            new RubricItem("not a rule", 1));

    private static Map<String, String> hostileInputs() {
        Map<String, String> inputs = new LinkedHashMap<>();
        inputs.put("empty", "");
        inputs.put("1 MB of {", "{".repeat(MEGA));
        inputs.put("1 MB of }", "}".repeat(MEGA));
        inputs.put("1 MB of \\boxed{", "\\boxed{".repeat(MEGA / 7));
        inputs.put("1 MB of digits", DIGITS);
        inputs.put("1 MB of digits boxed", "\\boxed{" + DIGITS + "}");
        inputs.put("1 MB of nested braces boxed", "\\boxed{" + DEEP_BRACES + "}");
        inputs.put("1 MB of <think>", "<think>".repeat(MEGA / 7));
        inputs.put("many <think> then many </think>",
                "<think>".repeat(MEGA / 14) + "</think>".repeat(MEGA / 16));
        inputs.put("1 MB of <think></think>x", "<think></think>x".repeat(MEGA / 16));
        inputs.put("1 MB of <", "<".repeat(MEGA));
        inputs.put("1 MB of a then !", "a".repeat(MEGA) + "!");
        inputs.put("1 MB of number-like junk", "1e-.5+".repeat(MEGA / 6));
        inputs.put("unbalanced tags and braces",
                "</think>}}{{<think>\\boxed{{}</think></think><think>\\boxed{");
        StringBuilder control = new StringBuilder();
        for (char c = 0; c < 32; c++) {
            control.append(c);
        }
        inputs.put("control characters", control + "\u007f<think>\u0000</think>\\boxed{\u0000}\u0007");
        inputs.put("lone surrogates", "\ud800<think>a\ud800b\udc00</think>\\boxed{\udfff}\ud83d");
        inputs.put("non-BMP", "<think>𠀀𠀁 𐌰𐌱 😀</think>\\boxed{𝟕} 😀");
        return inputs;
    }

    /** A reward under test with the range its values must lie in. */
    private record Subject(String name, RewardFunction reward, DoublePredicate inRange) {
    }

    private static List<Subject> subjects() {
        DoublePredicate zeroOrOne = v -> v == 0.0 || v == 1.0;
        DoublePredicate unit = v -> v >= 0.0 && v <= 1.0;
        List<Subject> subjects = new ArrayList<>();
        subjects.add(new Subject("accuracy", CONTEXT.create("accuracy", Map.of()), zeroOrOne));
        subjects.add(new Subject("format", CONTEXT.create("format", Map.of()), zeroOrOne));
        subjects.add(new Subject("language en", CONTEXT.create("language_consistency", Map.of()), unit));
        subjects.add(new Subject("language zh",
                CONTEXT.create("language_consistency", Map.of("target", "zh")), unit));
        subjects.add(new Subject("overlong", CONTEXT.create("overlong",
                Map.of("max_len", 2 * MEGA, "cache", MEGA)), v -> v >= -1.0 && v <= 0.0));
        subjects.add(new Subject("length", CONTEXT.create("length", Map.of()), v -> v == 0.0));
        // A smaller regex budget than the default keeps this sweep fast; the default budget on
        // hostile text is checked in knownOutcomesOnHostileInputs and in RuleJudgeTest.
        Map<String, Object> rubric = Map.of("judge_config", Map.of("regex_budget", 1_000_000));
        subjects.add(new Subject("rubric", CONTEXT.create("rubric", rubric), unit));
        subjects.add(new Subject("composite", CONTEXT.create("composite", Map.of("components",
                List.of(Map.of("reward", "accuracy"), Map.of("reward", "format"),
                        Map.of("reward", "language_consistency"), Map.of("reward", "length"),
                        Map.of("reward", "rubric", "weight", 0.5, "config", rubric)))),
                v -> v >= 0.0 && v <= 3.5));
        return subjects;
    }

    private static Completion completion(String text) {
        return Completion.builder(text).reference("7").rubric(RUBRIC).build();
    }

    @TestFactory
    Stream<DynamicTest> everyRewardSurvivesEveryHostileInput() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Subject subject : subjects()) {
            HOSTILE.forEach((inputName, text) -> tests.add(dynamicTest(subject.name() + " on " + inputName,
                    () -> {
                        RewardResult result = assertTimeoutPreemptively(LIMIT,
                                () -> subject.reward().score(completion(text)));
                        assertTrue(Double.isFinite(result.value()), "not finite: " + result.value());
                        assertTrue(subject.inRange().test(result.value()), "out of range: " + result);
                        result.components().values().forEach(v -> assertTrue(Double.isFinite(v)));
                    })));
        }
        return tests.stream();
    }

    @Test
    void groupsOfHostileInputsScoreInRange() {
        List<Completion> group = HOSTILE.values().stream().map(AdversarialInputTest::completion).toList();
        for (Subject subject : subjects()) {
            List<RewardResult> results = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> subject.reward().scoreGroup(group));
            assertEquals(group.size(), results.size());
            for (RewardResult result : results) {
                assertTrue(Double.isFinite(result.value()), subject.name());
            }
        }
        // The length reward, in a group of differing lengths, stays within [-0.5, 0.5].
        List<RewardResult> lengths = CONTEXT.create("length", Map.of()).scoreGroup(group);
        assertTrue(lengths.stream().allMatch(r -> r.value() >= -0.5 && r.value() <= 0.5));
        assertTrue(lengths.stream().anyMatch(r -> r.value() != 0.0));
    }

    @Test
    void knownOutcomesOnHostileInputs() {
        RewardFunction accuracy = CONTEXT.create("accuracy", Map.of());
        // A megabyte of digits is too long to parse as a number, so it is compared as a string.
        assertEquals(1.0, score(accuracy, "\\boxed{" + DIGITS + "}", DIGITS));
        assertEquals(0.0, score(accuracy, "\\boxed{" + DIGITS + "}", DIGITS + "7"));
        assertEquals(0.0, score(accuracy, "\\boxed{" + DIGITS + "}", "7"));
        assertEquals(1.0, score(accuracy, "\\boxed{" + DEEP_BRACES + "}", DEEP_BRACES));
        assertEquals(0.0, score(accuracy, HOSTILE.get("1 MB of \\boxed{"), "7"));
        assertEquals(1.0, score(accuracy, "\\boxed{7}" + "{".repeat(MEGA), "7"));
        assertEquals(1.0, score(accuracy, HOSTILE.get("lone surrogates"), "\udfff"));

        RewardFunction format = CONTEXT.create("format", Map.of());
        assertEquals(0.0, format.score(completion(HOSTILE.get("many <think> then many </think>")))
                .value());
        assertEquals(1.0, format.score(completion("<think>" + "{".repeat(MEGA) + "</think>x")).value());

        RewardFunction en = CONTEXT.create("language_consistency", Map.of());
        RewardFunction zh = CONTEXT.create("language_consistency", Map.of("target", "zh"));
        assertEquals(1.0, en.score(completion(HOSTILE.get("lone surrogates"))).value());
        // Two Han letters outside the BMP and one Gothic word; the emoji is no letter.
        assertEquals(2.0 / 3.0, zh.score(completion(HOSTILE.get("non-BMP"))).value(), 1e-12);
        assertEquals(1.0, en.score(completion(HOSTILE.get("1 MB of a then !"))).value());
        assertEquals(0.0, en.score(completion(HOSTILE.get("1 MB of <think>"))).value());

        RewardResult rubric = CONTEXT.create("rubric", Map.of())
                .score(completion(HOSTILE.get("1 MB of a then !")));
        // contains 7: no; icontains THINK: no; not_contains {: yes; equals 7: no; the three
        // hostile regexes give up or overflow; numeric: no number; max_length: no; not a rule.
        assertEquals(1.0 / 10, rubric.value(), 1e-12);
        assertEquals(4.0, rubric.components().get("rubric.unparsed"));
    }

    private static double score(RewardFunction reward, String text, String reference) {
        return assertTimeoutPreemptively(LIMIT,
                () -> reward.score(Completion.builder(text).reference(reference).build()).value());
    }
}
