package org.sparsa.core.task.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;

/**
 * Windows of a text for language modelling: training draws a window at a uniform offset of the
 * leading part, evaluation walks the held-out tail in consecutive windows. Examples carry no
 * reference, so {@link #score} reports nothing: the trainer's loss and perplexity are the
 * measure. Windows never split a surrogate pair, so they may be a character short.
 */
final class CorpusTask implements Task {
    private final String text;
    private final int trainEnd;
    private final int window;
    private final List<Example> evaluation;

    /** Training on {@code text[0, trainEnd)}, evaluating on up to {@code evalSize} windows after. */
    CorpusTask(String text, int trainEnd, int window, int evalSize) {
        this.text = text;
        this.trainEnd = trainEnd;
        this.window = window;
        List<Example> held = new ArrayList<>();
        int start = trainEnd;
        while (held.size() < evalSize && start < text.length()) {
            int end = end(start, text.length());
            held.add(new Example(text.substring(start, end), null, List.of()));
            start = end;
        }
        this.evaluation = List.copyOf(held);
    }

    @Override
    public Example sample(RandomGenerator random) {
        int start = random.nextInt(trainEnd - window + 1);
        if (start > 0 && Character.isLowSurrogate(text.charAt(start))
                && Character.isHighSurrogate(text.charAt(start - 1))) {
            start++;
        }
        return new Example(text.substring(start, end(start, trainEnd)), null, List.of());
    }

    /** The end of the window from {@code start}, within {@code limit}, off a surrogate pair. */
    private int end(int start, int limit) {
        int end = Math.min(limit, start + window);
        if (end < text.length() && end > start + 1 && Character.isLowSurrogate(text.charAt(end))
                && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    @Override
    public List<Example> evaluationSet() {
        return evaluation;
    }
}
