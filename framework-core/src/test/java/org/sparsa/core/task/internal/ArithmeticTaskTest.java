package org.sparsa.core.task.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskScore;

/** Arithmetic word problems: operands, the computed reference and the boxed-answer metric. */
class ArithmeticTaskTest {
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    @Test
    void theReferenceIsTheLeftToRightResultOfTheOperands() {
        Task task = new ArithmeticSource().create(PluginConfig.of(Map.of("digits", 4,
                "terms", 5, "operations", "+-*", "eval_size", 10), "test"));
        SplittableRandom random = new SplittableRandom(9);
        for (int n = 0; n < 100; n++) {
            Example example = task.sample(random);
            String prompt = example.prompt();
            assertTrue(prompt.endsWith("Put the final answer in \\boxed{}."), prompt);
            Matcher numbers = NUMBER.matcher(prompt);
            BigInteger value = null;
            int count = 0;
            // Replays the sentences: the first number starts, each later one applies its verb.
            for (String sentence : prompt.split("(?<=\\.) ")) {
                if (!numbers.find(0) || !NUMBER.matcher(sentence).find()) {
                    continue;
                }
                Matcher m = NUMBER.matcher(sentence);
                m.find();
                String operand = m.group();
                assertEquals(4, operand.length(), sentence);
                BigInteger x = new BigInteger(operand);
                count++;
                if (value == null) {
                    value = x;
                } else if (sentence.contains("adds") || sentence.contains("increases")) {
                    value = value.add(x);
                } else if (sentence.contains("subtracts") || sentence.contains("takes away")) {
                    value = value.subtract(x);
                } else {
                    assertTrue(sentence.contains("multiplies") || sentence.contains("times"));
                    value = value.multiply(x);
                }
            }
            assertEquals(5, count, prompt);
            assertEquals(value.toString(), example.reference(), prompt);
        }
    }

    @Test
    void onlyTheConfiguredOperationsAppear() {
        Task task = new ArithmeticSource().create(PluginConfig.of(Map.of("operations",
                List.of("*"), "terms", 3, "digits", 1, "eval_size", 5), "test"));
        SplittableRandom random = new SplittableRandom(2);
        for (int n = 0; n < 30; n++) {
            String prompt = task.sample(random).prompt();
            assertTrue(!prompt.contains("adds") && !prompt.contains("subtracts")
                    && !prompt.contains("increases") && !prompt.contains("takes away"), prompt);
        }
    }

    @Test
    void trainingDrawsAvoidEvaluationProblemsHoweverWorded() {
        // 100 problems in all, half of them held out.
        ArithmeticTask task = (ArithmeticTask) new ArithmeticSource().create(PluginConfig.of(
                Map.of("digits", 1, "terms", 2, "operations", "+", "eval_size", 50), "test"));
        java.util.Set<String> held = new java.util.HashSet<>();
        task.evaluationSet().forEach(example -> held.add(task.identity(example)));
        assertEquals(50, held.size());
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 0; n < 500; n++) {
            String identity = task.identity(task.sample(random));
            assertTrue(identity.matches("\\d\\+\\d"), identity);
            assertTrue(!held.contains(identity), identity);
        }
        assertEquals(task.identity(new Example("Ava writes down the number 3. Then Ava adds 4."
                + " What number?", "7", List.of())), task.identity(new Example("Mei thinks of the"
                + " number 3. Next, Mei increases it by 4. What?", "7", List.of())));
    }

    @Test
    void exactMatchReadsTheLastBoxOfTheAnswerRegion() {
        Task task = new ArithmeticSource().create(PluginConfig.of(Map.of("eval_size", 1), "t"));
        Example example = new Example("p", "-42", List.of());
        assertMatch(task, example, "So the answer is \\boxed{-42}.", 1);
        assertMatch(task, example, "\\boxed{$-42.$}", 1);
        assertMatch(task, example, "\\boxed{-42.0}", 1);
        assertMatch(task, example, "\\boxed{42}", 0);
        assertMatch(task, example, "-42", 0);
        assertMatch(task, example, "\\boxed{-42} then \\boxed{7}", 0);
        assertMatch(task, example, "<think>\\boxed{7}</think> \\boxed{-42}", 1);
        assertMatch(task, example, "<think>\\boxed{-42}</think> so 7", 0);
        assertMatch(task, example, "\\boxed{-42", 0);
        assertMatch(task, example, "\\boxed{}", 0);
        assertMatch(task, example, "\\boxed{{-42}", 0);
        assertMatch(task, example, null, 0);
    }

    private static void assertMatch(Task task, Example example, String completion, double want) {
        assertEquals(want, task.score(example, completion).get(TaskScore.EXACT_MATCH)
                .orElseThrow(), completion);
    }
}
