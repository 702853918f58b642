package org.sparsa.core.stage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.tokenizer.ByteTokenizer;
import org.sparsa.core.tokenizer.Tokenizer;

class BatchSourcesTest {
    private final Tokenizer bytes = ByteTokenizer.instance();

    @Test
    void aDocumentIsThePromptASpaceTheAnswerAndEndOfSequence() {
        Example example = new Example("2+2=", "4", List.of());
        int[] expected = new int[] {'2', '+', '2', '=', ' ', '4', bytes.eosId()};
        int[] fromText = bytes.encode("2+2= 4");
        assertArrayEquals(fromText, java.util.Arrays.copyOf(expected, 6));
        assertArrayEquals(expected, ExampleTokens.document(bytes, example));
        assertArrayEquals(new int[] {bytes.eosId()}, ExampleTokens.document(bytes,
                new Example("", null, List.of())));
    }

    @Test
    void packedRowsAreFullOfWholeDocumentsAndDependOnlyOnTheGenerator() {
        PackedDocuments packed = new PackedDocuments(new FixedTask(), bytes);
        TrainingBatch batch = packed.next(3, 10, SplitMix64.seeded(5));
        assertArrayEquals(new int[] {3, 10}, batch.tokens().shape());
        assertNull(batch.lossMask());
        assertEquals(3 * 9, batch.targets());
        int[] tokens = batch.tokens().toArray();
        // Each document is "x y<eos>": 4 tokens, so a row of 10 holds 3 documents, the last cut.
        assertEquals(9, batch.examples());
        for (int row = 0; row < 3; row++) {
            for (int d = 0; d < 2; d++) {
                int at = row * 10 + d * 4;
                assertEquals(' ', tokens[at + 1]);
                assertEquals(bytes.eosId(), tokens[at + 3]);
                assertEquals((tokens[at] - 'a' + 1) % 4, tokens[at + 2] - 'a');
            }
        }
        assertArrayEquals(tokens, packed.next(3, 10, SplitMix64.seeded(5)).tokens().toArray());
    }

    @Test
    void promptAnswerPairsCountOnlyTheAnswerAndPadTheRest() {
        Task task = new Task() {
            private int next;

            @Override
            public Example sample(RandomGenerator random) {
                return next++ == 0 ? new Example("abc", "d", List.of())
                        : new Example("a", "bc", List.of());
            }

            @Override
            public List<Example> evaluationSet() {
                return List.of();
            }
        };
        TrainingBatch batch = new PromptAnswerPairs(task, bytes).next(2, 16,
                SplitMix64.seeded(1));
        int eos = bytes.eosId();
        int pad = bytes.padId();
        assertArrayEquals(new int[] {'a', 'b', 'c', ' ', 'd', eos,
            'a', ' ', 'b', 'c', eos, pad}, batch.tokens().toArray());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1,
            0, 1, 1, 1, 1, 0}, batch.lossMask().toArray());
        assertEquals(7, batch.targets());
    }

    @Test
    void promptAnswerPairsRefuseATaskWithoutAnswers() {
        Task text = new Task() {
            @Override
            public Example sample(RandomGenerator random) {
                return new Example("plain text", null, List.of());
            }

            @Override
            public List<Example> evaluationSet() {
                return List.of();
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PromptAnswerPairs(text, bytes).next(1, 8, SplitMix64.seeded(1)));
        assertEquals(true, e.getMessage().contains("no reference answer"), e.getMessage());
    }

    @Test
    void promptAnswerPairsRefuseABatchWhosePromptsLeaveNoRoomForAnswers() {
        Task longPrompts = new Task() {
            @Override
            public Example sample(RandomGenerator random) {
                return new Example("a prompt of twenty-four", "yes", List.of());
            }

            @Override
            public List<Example> evaluationSet() {
                return List.of();
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PromptAnswerPairs(longPrompts, bytes).next(1, 16,
                        SplitMix64.seeded(1)));
        assertTrue(e.getMessage().contains("seq_len 16"), e.getMessage());
        assertTrue(e.getMessage().contains("take 23 tokens"), e.getMessage());
    }
}
