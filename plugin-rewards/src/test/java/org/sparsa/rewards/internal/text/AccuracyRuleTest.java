package org.sparsa.rewards.internal.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccuracyRuleTest {

    @ParameterizedTest(name = "\"{0}\" vs \"{1}\" -> {2}")
    @CsvSource(delimiter = '|', value = {
        "\\boxed{4}                      | 4        | true",
        "\\boxed{+4}                     | 4        | true",
        "\\boxed{4.}                     | 4        | true",
        "\\boxed{4..}                    | 4        | true",
        "\\boxed{$4$.}                   | 4        | true",
        "\\boxed{-0}                     | 0        | true",
        "\\boxed{2/4}                    | 0.5      | true",
        "\\boxed{1.5/3}                  | 1/2      | true",
        "\\boxed{0.1}                    | 1/10     | true",
        "\\boxed{0.3333333333333333}     | 1/3      | false",
        "\\boxed{1/0}                    | 1/0      | true",
        "\\boxed{1/0}                    | 2/0      | false",
        "\\boxed{1 / 2}                  | 1/2      | false",
        "\\boxed{1,000}                  | 1000     | false",
        "\\boxed{1e3}                    | 1000     | false",
        "\\boxed{3/-6}                   | -1/2     | false",
        "\\boxed{X+1}                    | x+1      | false",
        "\\boxed{}                       | ''       | false",
        "\\boxed{ }                      | 4        | false",
        "\\boxed{\\boxed{4}}             | 4        | true",
        "\\boxed{4} and \\boxed{5       | 4        | false",
        "</think>\\boxed{4}</think>x     | 4        | false",
    })
    void comparesTheLastBoxWithTheReference(String text, String reference, boolean correct) {
        assertEquals(correct, AccuracyRule.isCorrect(text, Optional.of(reference)));
    }

    @Test
    void noReferenceIsNeverCorrect() {
        assertFalse(AccuracyRule.isCorrect("\\boxed{4}", Optional.empty()));
    }

    @Test
    void trimmingStripsOnlyTheSurroundings() {
        assertEquals("12", AnswerTrimming.trim(" $ 12 $. \u00a0"));
        assertEquals(".50", AnswerTrimming.trim(".50"));
        assertEquals("a . b", AnswerTrimming.trim("a . b."));
        assertEquals("", AnswerTrimming.trim(" $...$ "));
        assertEquals("\ud800", AnswerTrimming.trim("\ud800 "));
    }

    @Test
    void rationalsCompareExactly() {
        assertTrue(ExactRational.parse("0.5").get().sameValueAs(ExactRational.parse(".50").get()));
        assertTrue(ExactRational.parse("-3/6").get().sameValueAs(ExactRational.parse("-0.5").get()));
        // Doubles would call these equal; exact rationals do not.
        String big = "9007199254740993";
        assertFalse(ExactRational.parse(big).get().sameValueAs(
                ExactRational.parse("9007199254740992").get()));
        for (String notRational : new String[] {"", "-", ".", "+.", "1/", "/2", "1/0", "1/0.0",
                "\\frac{1}{2}", "1/2/3", "١٢", "--1", "1.2.3", " 1"}) {
            assertTrue(ExactRational.parse(notRational).isEmpty(), notRational);
        }
        String longest = "1".repeat(ExactRational.MAX_CHARS);
        assertTrue(ExactRational.parse(longest).isPresent());
        assertTrue(ExactRational.parse(longest + "1").isEmpty());
    }

    @Test
    void boxedAnswerIsTheLastOpeningBalanced() {
        assertEquals(Optional.of("{a}{b}"), BoxedAnswer.lastIn("\\boxed{{a}{b}}"));
        assertEquals(Optional.of("2"), BoxedAnswer.lastIn("\\boxed{1} \\boxed{2} tail"));
        assertEquals(Optional.empty(), BoxedAnswer.lastIn("\\boxed{1} \\boxed{2"));
        assertEquals(Optional.empty(), BoxedAnswer.lastIn("\\boxed 4"));
        assertEquals(Optional.of("x"), BoxedAnswer.lastIn("\\boxed{x}}"));
    }

    @Test
    void answerRegionFollowsTheLastClose() {
        assertEquals(" b", AnswerRegion.of("<think>x</think>a</think> b"));
        assertEquals("no tags", AnswerRegion.of("no tags"));
        assertEquals("", AnswerRegion.of("<think>x</think>"));
    }

    @Test
    void aWorkedSolutionAsReferenceIsReadByItsLastBox() {
        Optional<String> worked = Optional.of("<think>7+5=12</think> \\boxed{12}");
        assertTrue(AccuracyRule.isCorrect("<think>7+5=12</think> \\boxed{12}", worked));
        assertTrue(AccuracyRule.isCorrect("\\boxed{12.0}", worked));
        assertFalse(AccuracyRule.isCorrect("\\boxed{13}", worked));
        // A box inside the reference's reasoning is not its answer.
        assertFalse(AccuracyRule.isCorrect("\\boxed{7}", Optional.of(
                "<think>\\boxed{7}</think> no final box")));
    }
}
