package org.sparsa.api.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompletionTest {

    @Test
    void lengthFallsBackToUtf8BytesOfTheText() {
        // 'a' (1 byte), 'é' (2), '中' (3), U+1F600 (4, a surrogate pair in Java).
        Completion completion = Completion.of("aé中\uD83D\uDE00");
        assertTrue(completion.lengthTokens().isEmpty());
        assertEquals(10, completion.lengthTokensOrBytes());
        assertEquals(3, Completion.builder("abc").lengthTokens(3).build().lengthTokensOrBytes());
        assertThrows(IllegalArgumentException.class,
                () -> Completion.builder("x").lengthTokens(-1));
    }

    @Test
    void nullTextReadsAsEmptyAndRubricIsCopied() {
        Completion completion = Completion.builder(null)
                .rubric(List.of(new RubricItem("contains: 4", 2))).build();
        assertEquals("", completion.text());
        assertEquals(1, completion.rubric().size());
        assertThrows(UnsupportedOperationException.class, () -> completion.rubric().clear());
    }

    @Test
    void valueTypesRejectInvalidNumbers() {
        assertThrows(IllegalArgumentException.class, () -> new RubricItem("x", -1));
        assertThrows(IllegalArgumentException.class, () -> new RubricItem("x", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Judgement(1.5, true, ""));
        assertEquals(0, Judgement.unparsed("?").score());
        RewardResult result = new RewardResult(1, Map.of("a", 1.0));
        assertThrows(UnsupportedOperationException.class, () -> result.components().clear());
    }
}
