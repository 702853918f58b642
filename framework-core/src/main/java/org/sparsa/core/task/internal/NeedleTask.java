package org.sparsa.core.task.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.EvaluationGrid;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.TaskScore;

/**
 * Retrieval of a needle sentence hidden in filler text, shared by {@code passkey} and
 * {@code needle}. The prompt is an introduction, the haystack (filler of at most {@code length}
 * characters with the needle at a depth) and a question; the needle and the answer may hold a
 * {@value #VALUE} placeholder, replaced in each example by a random number so that the answer
 * must be read from the context rather than remembered.
 */
final class NeedleTask extends GeneratedTask {
    /** The placeholder for the example's random number in the needle and the answer. */
    static final String VALUE = "{value}";
    /** 1 when the completion holds the reference as a whole word or number anywhere. */
    static final String CONTAINS = "contains";

    /** The fixed parts of the prompt and answer. */
    record Template(String intro, String needle, String question, String answer, int digits) {
    }

    private final Template template;
    private final List<String> sentences;
    private final int length;
    private final double depth;
    private EvaluationGrid grid;

    /**
     * A task whose training haystacks are {@code length} long with the needle at {@code depth}
     * (NaN: uniform per example).
     */
    NeedleTask(Template template, List<String> sentences, int length, double depth) {
        this.template = template;
        this.sentences = List.copyOf(sentences);
        this.length = length;
        this.depth = depth;
    }

    /** Uses {@code size} examples drawn from {@code seed} as the evaluation set. */
    NeedleTask evaluateOnDraws(long seed, int size) {
        drawEvaluation(seed, size);
        return this;
    }

    /**
     * Uses the grid of {@code lengths} by {@code depths}, {@code repeats} examples a cell, as the
     * evaluation set, in that order: lengths outermost, then depths, then repeats.
     */
    NeedleTask evaluateOnGrid(long seed, List<Integer> lengths, List<Double> depths, int repeats) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Example> examples = new ArrayList<>();
        for (int cellLength : lengths) {
            for (double cellDepth : depths) {
                for (int r = 0; r < repeats; r++) {
                    examples.add(generate(random, cellLength, cellDepth));
                }
            }
        }
        holdOut(examples);
        if (repeats > 0) {
            grid = new EvaluationGrid(lengths, depths, repeats);
        }
        return this;
    }

    /** The grid the evaluation set was laid out on; empty when it was drawn. */
    @Override
    public Optional<EvaluationGrid> evaluationGrid() {
        return Optional.ofNullable(grid);
    }

    @Override
    Example generate(RandomGenerator random) {
        double at = Double.isNaN(depth) ? random.nextDouble() : depth;
        return generate(random, length, at);
    }

    private Example generate(RandomGenerator random, int haystackLength, double needleDepth) {
        String value = number(random, template.digits());
        String needle = template.needle().replace(VALUE, value);
        Haystack haystack = Haystack.build(sentences, haystackLength, needle, needleDepth);
        String prompt = template.intro() + haystack.text() + template.question();
        return new Example(prompt, template.answer().replace(VALUE, value), List.of());
    }

    /** A number of exactly {@code digits} digits, its first not 0 unless it is the only one. */
    private static String number(RandomGenerator random, int digits) {
        StringBuilder out = new StringBuilder(digits);
        out.append(digits == 1 ? random.nextInt(10) : 1 + random.nextInt(9));
        for (int i = 1; i < digits; i++) {
            out.append(random.nextInt(10));
        }
        return out.toString();
    }

    /**
     * {@value TaskScore#EXACT_MATCH}: the completion is the answer, ignoring surrounding white
     * space and a final full stop; {@value #CONTAINS}: the completion holds the answer as a
     * whole somewhere, the lenient measure long-context papers often report.
     */
    @Override
    public TaskScore score(Example example, String completion) {
        if (example.reference() == null) {
            return TaskScore.none();
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(TaskScore.EXACT_MATCH,
                AnswerText.matches(completion, example.reference()) ? 1.0 : 0.0);
        metrics.put(CONTAINS, AnswerText.contains(completion, example.reference()) ? 1.0 : 0.0);
        return new TaskScore(metrics);
    }
}
