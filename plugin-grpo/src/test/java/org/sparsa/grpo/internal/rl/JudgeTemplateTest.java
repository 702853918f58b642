package org.sparsa.grpo.internal.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The judge's template: its four placeholders, filled in one pass, and its errors. */
class JudgeTemplateTest {

    @Test
    void everyPlaceholderIsFilled() {
        JudgeTemplate template = JudgeTemplate.of("[{rubric}|{prompt}|{completion}|0..{scale}]");
        assertEquals("[polite|say hi|hello|0..10]", template.fill("polite", "say hi", "hello", 10));
    }

    @Test
    void placeholdersInTheFilledTextStayAsWritten() {
        JudgeTemplate template = JudgeTemplate.of("{rubric}: {completion}");
        // A completion quoting the template's placeholders (or a replacement's $1) is judged
        // as written, never expanded: the policy cannot rewrite the judge's prompt that way.
        assertEquals("c: {rubric} {scale} $1 \\", template.fill("c", "p",
                "{rubric} {scale} $1 \\", 10));
    }

    @Test
    void theDefaultAsksForAScoreAfterACue() {
        String filled = JudgeTemplate.of(JudgeTemplate.DEFAULT).fill("is polite", "greet me",
                "hi there", 10);
        assertTrue(filled.contains("Criterion: is polite\n"), filled);
        assertTrue(filled.contains("Prompt: greet me\n"), filled);
        assertTrue(filled.contains("Response: hi there\n"), filled);
        assertTrue(filled.contains("from 0 to 10"), filled);
        assertTrue(filled.endsWith("Score:"), filled);
    }

    @Test
    void bracesThatAreNoPlaceholderNameAreText() {
        assertEquals("{ } {1} x", JudgeTemplate.of("{ } {1} {completion}").fill("r", "p", "x",
                10));
    }

    @Test
    void anUnknownPlaceholderOrNoCompletionIsRefused() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> JudgeTemplate.of("{answer} {completion}"));
        assertTrue(unknown.getMessage().contains("{answer}"), unknown.getMessage());
        IllegalArgumentException blind = assertThrows(IllegalArgumentException.class,
                () -> JudgeTemplate.of("{rubric} {prompt}"));
        assertTrue(blind.getMessage().contains("{completion}"), blind.getMessage());
    }
}
