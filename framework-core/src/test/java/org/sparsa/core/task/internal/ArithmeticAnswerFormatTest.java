package org.sparsa.core.task.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.core.random.SplitMix64;

/**
 * The arithmetic task's answer formats: the same problems, their references formatted, the
 * worked steps right, and the task's exact match reading a formatted reference by its box.
 */
class ArithmeticAnswerFormatTest {
    private static final Pattern THINK = Pattern.compile(
            "<think>(.*)</think> \\\\boxed\\{(-?\\d+)}");

    private static Task task(String format) {
        return new ArithmeticSource().create(PluginConfig.of(Map.of("digits", 1, "terms", 3,
                "eval_size", 5, "answer_format", format), "test"));
    }

    @Test
    void formatsChangeOnlyTheReference() {
        Task plain = task("plain");
        Task boxed = task("boxed");
        Task think = task("think");
        for (int i = 0; i < 20; i++) {
            Example p = plain.sample(SplitMix64.seeded(i));
            Example b = boxed.sample(SplitMix64.seeded(i));
            Example t = think.sample(SplitMix64.seeded(i));
            assertEquals(p.prompt(), b.prompt());
            assertEquals(p.prompt(), t.prompt());
            assertEquals("\\boxed{" + p.reference() + "}", b.reference());
            Matcher m = THINK.matcher(t.reference());
            assertTrue(m.matches(), t.reference());
            assertEquals(p.reference(), m.group(2));
            // Each worked step is right and the last one ends at the answer.
            String last = null;
            for (String step : m.group(1).split(" ")) {
                Matcher s = Pattern.compile("(-?\\d+)([+*-])(\\d+)=(-?\\d+)").matcher(step);
                assertTrue(s.matches(), step);
                BigInteger a = new BigInteger(s.group(1));
                BigInteger b2 = new BigInteger(s.group(3));
                BigInteger r = switch (s.group(2)) {
                    case "+" -> a.add(b2);
                    case "-" -> a.subtract(b2);
                    default -> a.multiply(b2);
                };
                assertEquals(r, new BigInteger(s.group(4)), step);
                last = s.group(4);
            }
            assertEquals(p.reference(), last);
            // A formatted reference scores by its box: the plain answer boxed matches it.
            assertEquals(1.0, think.score(t, "\\boxed{" + p.reference() + "}").metrics()
                    .get("exact_match"));
            assertEquals(1.0, think.score(t, t.reference()).metrics().get("exact_match"));
            assertEquals(0.0, think.score(t, "\\boxed{" + p.reference() + "1}").metrics()
                    .get("exact_match"));
        }
    }

    @Test
    void aThinkFractionWorksOutThatShareOfTheProblemsAndBoxesTheRest() {
        Task think = task("think");
        Task mixed = new ArithmeticSource().create(PluginConfig.of(Map.of("digits", 1,
                "terms", 3, "eval_size", 5, "answer_format", "think", "think_fraction", 0.3),
                "test"));
        int worked = 0;
        int samples = 4000;
        for (int i = 0; i < samples; i++) {
            Example t = think.sample(SplitMix64.seeded(i));
            Example m = mixed.sample(SplitMix64.seeded(i));
            assertEquals(t.prompt(), m.prompt());
            if (m.reference().equals(t.reference())) {
                worked++;
            } else {
                assertEquals(t.reference().substring(t.reference().indexOf("\\boxed")),
                        m.reference());
            }
        }
        // The share is the fraction's, within four standard deviations of 4000 draws.
        assertEquals(0.3, (double) worked / samples, 4 * Math.sqrt(0.3 * 0.7 / samples));
        assertEquals(think.evaluationSet().stream().map(Example::prompt).toList(),
                mixed.evaluationSet().stream().map(Example::prompt).toList());
        // A problem is answered the same way however often it is drawn.
        assertEquals(mixed.sample(SplitMix64.seeded(7)), mixed.sample(SplitMix64.seeded(7)));
    }

    @Test
    void aThinkFractionWithoutTheThinkFormatIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> new ArithmeticSource()
                .create(PluginConfig.of(Map.of("answer_format", "boxed", "think_fraction", 0.5),
                        "test")));
        assertTrue(e.getMessage().contains("think_fraction"), e.getMessage());
    }

    @Test
    void anUnknownFormatIsRefusedByName() {
        ConfigException e = assertThrows(ConfigException.class, () -> task("latex"));
        assertTrue(e.getMessage().contains("answer_format"), e.getMessage());
    }
}
