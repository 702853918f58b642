package org.sparsa.core.stage.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Example;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.task.Task;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * Supervised fine-tuning batches: one example per row, prompt then answer
 * ({@link ExampleTokens}), cut at {@code seqLen} and padded to the longest row; the loss counts
 * only the answer's tokens, so the model learns to answer, not to write prompts.
 */
final class PromptAnswerPairs implements BatchSource {
    private final Task task;
    private final Tokenizer tokenizer;

    PromptAnswerPairs(Task task, Tokenizer tokenizer) {
        this.task = task;
        this.tokenizer = tokenizer;
    }

    @Override
    public TrainingBatch next(int rows, int seqLen, RandomGenerator random) {
        List<int[]> prompts = new ArrayList<>(rows);
        List<int[]> answers = new ArrayList<>(rows);
        int time = 2;
        String firstPrompt = null;
        for (int r = 0; r < rows; r++) {
            Example example = task.sample(random);
            firstPrompt = firstPrompt == null ? example.prompt() : firstPrompt;
            if (example.reference() == null) {
                throw new IllegalStateException("sft: the task's examples have no reference "
                        + "answer to train on (prompt '" + abbreviate(example.prompt())
                        + "'); use a pretrain stage for plain text");
            }
            prompts.add(ExampleTokens.prompt(tokenizer, example));
            answers.add(ExampleTokens.answer(tokenizer, example));
            time = Math.max(time, Math.min(seqLen,
                    prompts.get(r).length + answers.get(r).length));
        }
        int[] tokens = new int[rows * time];
        int[] mask = new int[rows * time];
        java.util.Arrays.fill(tokens, tokenizer.padId());
        long targets = 0;
        for (int r = 0; r < rows; r++) {
            int at = r * time;
            int[] prompt = prompts.get(r);
            int[] answer = answers.get(r);
            for (int i = 0; i < prompt.length + answer.length && i < time; i++) {
                boolean isAnswer = i >= prompt.length;
                tokens[at + i] = isAnswer ? answer[i - prompt.length] : prompt[i];
                // The first position predicts nothing, so it is never a target.
                if (isAnswer && i > 0) {
                    mask[at + i] = 1;
                    targets++;
                }
            }
        }
        if (targets == 0) {
            // Every row was cut before its answer: a step on this batch would learn nothing.
            int shortest = prompts.stream().mapToInt(p -> p.length).min().orElse(0);
            throw new IllegalStateException("sft: no answer token fits in seq_len " + seqLen
                    + ": the batch's prompts take " + shortest + " tokens or more (prompt '"
                    + abbreviate(firstPrompt) + "'); raise the stage's seq_len "
                    + "above the prompts' length or shorten the task's prompts");
        }
        return new TrainingBatch(IntTensor.of(tokens, rows, time), IntTensor.of(mask, rows, time),
                rows, targets);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
