package org.sparsa.core.stage.internal;

import java.util.random.RandomGenerator;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.task.Task;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * Pre-training batches: each row is filled with whole documents ({@link ExampleTokens}) drawn
 * one after another, the last one cut at the row's end, and the loss counts every token.
 * Each row starts with a fresh document, so no tokens carry over between rows or steps.
 */
final class PackedDocuments implements BatchSource {
    private final Task task;
    private final Tokenizer tokenizer;

    PackedDocuments(Task task, Tokenizer tokenizer) {
        this.task = task;
        this.tokenizer = tokenizer;
    }

    @Override
    public TrainingBatch next(int rows, int seqLen, RandomGenerator random) {
        int[] tokens = new int[rows * seqLen];
        int examples = 0;
        for (int r = 0; r < rows; r++) {
            int filled = 0;
            while (filled < seqLen) {
                int[] document = ExampleTokens.document(tokenizer, task.sample(random));
                examples++;
                int n = Math.min(document.length, seqLen - filled);
                System.arraycopy(document, 0, tokens, r * seqLen + filled, n);
                filled += n;
            }
        }
        return new TrainingBatch(IntTensor.of(tokens, rows, seqLen), null, examples,
                (long) rows * (seqLen - 1));
    }
}
