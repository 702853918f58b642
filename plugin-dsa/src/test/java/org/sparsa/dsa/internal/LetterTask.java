package org.sparsa.dsa.internal;

import java.util.List;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;

/** A task of one-letter prompts answered by the next letter, so a stage runs in a second. */
final class LetterTask implements Task {
    private static final String LETTERS = "abcdef";

    private static Example example(int i) {
        return new Example(String.valueOf(LETTERS.charAt(i)),
                String.valueOf(LETTERS.charAt((i + 1) % LETTERS.length())), List.of());
    }

    @Override
    public Example sample(RandomGenerator random) {
        return example(random.nextInt(LETTERS.length()));
    }

    @Override
    public List<Example> evaluationSet() {
        return List.of(example(0), example(1), example(2), example(3));
    }
}
