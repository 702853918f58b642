package org.sparsa.grpo.internal.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsa.api.reward.Judgement;

/** The first integer of a judge's answer, in 0..scale, is its score; anything else is unparsed. */
class JudgeScoreParserTest {
    private final JudgeScoreParser outOfTen = new JudgeScoreParser(10);

    private void parses(String answer, double score) {
        Judgement judgement = outOfTen.parse(answer);
        assertTrue(judgement.parsed(), answer + ": " + judgement.rationale());
        assertEquals(score, judgement.score(), 0.0, answer);
    }

    private void unparsed(String answer, String reason) {
        Judgement judgement = outOfTen.parse(answer);
        assertFalse(judgement.parsed(), answer + " parsed as " + judgement.score());
        assertEquals(0.0, judgement.score());
        assertTrue(judgement.rationale().contains(reason), judgement.rationale());
    }

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(delimiter = '|', value = {"0|0.0", "7|0.7", "10|1.0", " 7|0.7", "007|0.7",
        "Score: 7|0.7", "I'd say 3 out of 10|0.3", "7/10|0.7", "7.|0.7", "+5|0.5",
        "8 because 12 > 10|0.8", "a-b 4|0.4", "10 1|1.0"})
    void theFirstIntegerInRangeIsTheScore(String answer, double score) {
        parses(answer, score);
    }

    @Test
    void whiteSpaceAroundTheIntegerIsSkipped() {
        parses(" 7\n", 0.7);
        parses("\t\n 10 \n", 1.0);
    }

    @Test
    void digitsOfAnyScriptCountButSuperscriptsDoNot() {
        parses("\u0667", 0.7);           // Arabic-Indic seven
        parses("\uFF17", 0.7);           // full-width seven
        parses("\uD835\uDFD5", 0.7);     // mathematical bold seven, outside the BMP
        parses("\u0967\u0966", 1.0);     // Devanagari ten
        unparsed("\u00B2", "no integer"); // superscript two is no decimal digit
    }

    @ParameterizedTest
    @ValueSource(strings = {"11", "100", "Score: 12", "12 then 1"})
    void anIntegerAboveTheScaleIsUnparsed(String answer) {
        unparsed(answer, "outside 0..10");
    }

    @Test
    void hugeNumbersAreOutOfRangeWithoutOverflowing() {
        unparsed("99999999999999999999999999999999", "outside 0..10");
        unparsed("18446744073709551623", "outside 0..10"); // 2^64 + 7 would wrap to 7
        unparsed("4294967303", "outside 0..10");           // 2^32 + 7 would wrap to 7
        parses("00000000000000000000000000000007", 0.7);   // leading zeros are no size
        unparsed("7".repeat(1_000_000), "outside 0..10");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-3", "score: -1", "\u22127", "-0"})
    void aNegativeScoreIsUnparsed(String answer) {
        unparsed(answer, "negative");
    }

    @ParameterizedTest
    @ValueSource(strings = {"7.5", "0.7", "score 3.25 of 10"})
    void aDecimalIsNoInteger(String answer) {
        unparsed(answer, "not an integer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"seven", "n/a", "\u0000\u0001", "\uD800", "Score:", "?!"})
    void noIntegerIsUnparsed(String answer) {
        unparsed(answer, "no integer");
    }

    @Test
    void anEmptyAnswerIsUnparsed() {
        unparsed("", "empty");
        unparsed("  \n\t", "empty");
        unparsed(null, "empty");
    }

    @Test
    void theScaleSetsTheRangeAndTheDivisor() {
        JudgeScoreParser outOfFour = new JudgeScoreParser(4);
        assertEquals(0.75, outOfFour.parse("3").score());
        assertFalse(outOfFour.parse("5").parsed());
        JudgeScoreParser outOfOne = new JudgeScoreParser(1);
        assertEquals(1.0, outOfOne.parse("1").score());
        assertFalse(outOfOne.parse("2").parsed());
        assertThrows(IllegalArgumentException.class, () -> new JudgeScoreParser(0));
    }
}
