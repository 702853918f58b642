package org.sparsa.distill.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;

/** A tiny task for the tests: a word of {@code letters} and '>', answered by the word reversed. */
class ReverseTask implements Task {
    private final String letters;

    ReverseTask(String letters) {
        this.letters = letters;
    }

    private Example example(RandomGenerator random) {
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            word.append(letters.charAt(random.nextInt(letters.length())));
        }
        return new Example(word + ">", new StringBuilder(word).reverse().toString(), List.of());
    }

    @Override
    public Example sample(RandomGenerator random) {
        return example(random);
    }

    @Override
    public List<Example> evaluationSet() {
        RandomGenerator random = new java.util.SplittableRandom(5);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            out.add(example(random));
        }
        return out;
    }
}
