package org.sparsa.rewards.internal.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.Judgement;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RubricItem;

class RuleJudgeTest {
    private static final JudgeFunction JUDGE = new RuleJudge().create(PluginConfig.empty());

    private static Judgement judge(String criterion, String text) {
        return JUDGE.judge(new RubricItem(criterion, 1), Completion.of(text));
    }

    /** Asserts a parsed verdict of {@code expected} (1 or 0). */
    private static void assertScore(double expected, String criterion, String text) {
        Judgement judgement = judge(criterion, text);
        assertTrue(judgement.parsed(), () -> criterion + " should parse: " + judgement.rationale());
        assertEquals(expected, judgement.score(), () -> criterion + " on '" + text + "': "
                + judgement.rationale());
    }

    private static void assertUnparsed(String criterion, String text) {
        Judgement judgement = judge(criterion, text);
        assertFalse(judgement.parsed(), () -> criterion + " should not parse");
        assertEquals(0.0, judgement.score());
        assertFalse(judgement.rationale().isEmpty());
    }

    @ParameterizedTest(name = "{0} on \"{1}\" -> {2}")
    @CsvSource(delimiter = '|', value = {
        "contains: Paris          | The capital is Paris.          | 1",
        "contains: paris          | The capital is Paris.          | 0",
        "icontains: PARIS         | The capital is Paris.          | 1",
        "not_contains: London     | The capital is Paris.          | 1",
        "not_contains: Paris      | The capital is Paris.          | 0",
        "not_icontains: paris     | The capital is Paris.          | 0",
        "CONTAINS:Paris           | Paris                          | 1",
        "equals: 42               | 42                             | 1",
        "equals: 42               | The answer is 42               | 0",
        "equals: 42               | The answer is \\boxed{42}.     | 1",
        "equals: 0.5              | so \\boxed{1/2}                | 1",
        "equals: Paris            | $Paris$.                       | 1",
        "equals: paris            | Paris                          | 0",
        "iequals: paris           | Paris                          | 1",
        "regex: \\bcat\\b         | the cat sat                    | 1",
        "regex: \\bca\\b          | the cat sat                    | 0",
        "regex: (?i)^THE          | the cat sat                    | 1",
        "numeric: 42              | it is 40, no, 42               | 1",
        "numeric: 42              | it is 42, no, 40               | 0",
        "numeric: 3.14 ± 0.01     | pi is about 3.1415             | 1",
        "numeric: 3.14 +- 0.001   | pi is about 3.1415             | 0",
        "numeric: 3.14 +/- 0.01   | pi is about 3.1415             | 1",
        "numeric: -3              | x = -3                         | 1",
        "numeric: 3               | x-3                            | 1",
        "numeric: 1000            | 1e3 metres                     | 1",
        "numeric: 0.5             | half: .5                       | 1",
        "numeric: 7               | no number here                 | 0",
        "max_length: 5            | hello                          | 1",
        "max_length: 4            | hello                          | 0",
        "max_length: 2            | 𠀀𠀁                           | 1",
    })
    void eachRule(String criterion, String text, int expected) {
        assertScore(expected, criterion, text);
    }

    @Test
    void rulesSeeOnlyTheAnswerRegion() {
        String text = "<think>maybe Paris, 41</think>London 42";
        assertScore(0, "contains: Paris", text);
        assertScore(1, "contains: London", text);
        assertScore(1, "numeric: 42", text);
        assertScore(1, "max_length: 9", text);
        assertScore(0, "regex: Paris", text);
        assertScore(1, "equals: London 42", text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"no colon at all", "contains:", "contains:   ", "sounds: loud",
        ": text", "regex: (unclosed", "regex: [z-a]", "numeric: forty", "numeric: 3 ± -1",
        "numeric: 3 ± ", "numeric: NaN", "numeric: 1d", "max_length: -1", "max_length: ten",
        "max_length: 99999999999", "numeric: 3 ± 0x10"})
    void malformedCriteriaAreUnparsed(String criterion) {
        assertUnparsed(criterion, "anything 3");
    }

    @Test
    void catastrophicRegexGivesUpWithinItsBudget() {
        // Exponential backtracking even on 30 characters.
        Judgement exponential = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> judge("regex: (.*a){12}b", "a".repeat(30) + "!"));
        assertFalse(exponential.parsed());
        assertTrue(exponential.rationale().contains("gave up"), exponential.rationale());
        // Quadratic in Java 17: about 25 million reads on 5000 characters, past the default budget.
        Judgement quadratic = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> judge("regex: (a+)+$", "a".repeat(5000) + "!"));
        assertFalse(quadratic.parsed());
        // The same patterns on short texts are decided normally.
        assertScore(1, "regex: (a+)+$", "aaa");
        assertScore(0, "regex: (a+)+$", "aaa!");
        assertScore(1, "regex: (.*a){2}b", "aab");
    }

    @Test
    void aTightBudgetStopsEvenASimpleScan() {
        JudgeFunction tight = new RuleJudge().create(PluginConfig.of(Map.of("regex_budget", 10),
                "test"));
        Judgement judgement = tight.judge(new RubricItem("regex: z", 1),
                Completion.of("a".repeat(100)));
        assertFalse(judgement.parsed());
        assertEquals(1.0, tight.judge(new RubricItem("regex: a", 1), Completion.of("a")).score());
    }

    @Test
    void deepRecursionInTheRegexEngineIsUnparsedNotThrown() {
        String text = "ab".repeat(500_000);
        Judgement judgement = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> judge("regex: (a|b)*c", text));
        assertFalse(judgement.parsed(), judgement.rationale());
    }
}
