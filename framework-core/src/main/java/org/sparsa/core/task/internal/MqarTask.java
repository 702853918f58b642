package org.sparsa.core.task.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.TaskScore;

/**
 * Multi-query associative recall. The prompt lists {@code pairs} distinct keys with their values
 * as {@code key=value}, then asks for {@code queries} of those keys:
 *
 * <pre>
 * ab=3 kq=7 zt=1
 * query: zt ab
 * answer:</pre>
 *
 * and the reference is their values in query order, space-separated ({@code 1 3}).
 *
 * <p>In the {@value #INLINE} layout (the one of the Zoology benchmark) every query is followed by
 * its value and only the last one is left to answer:
 *
 * <pre>
 * ab=3 kq=7 zt=1
 * zt= 1 ab=</pre>
 *
 * with the reference {@code 3}. A document of this layout (prompt, space, reference) holds
 * {@code queries} retrievals that a loss on every token trains, where the listed layout's
 * document has one answer line that only the answer's loss reaches; and the answer sits right
 * after its key, so the lookup needs no pointer into a list of queries.
 */
final class MqarTask extends GeneratedTask {
    /** The fraction of queries answered right, position by position. */
    static final String RECALL = "recall";
    /** The layout asking all queries on one line and answering them on the next. */
    static final String LISTED = "listed";
    /** The layout answering each query right after it, the last one left to the model. */
    static final String INLINE = "inline";
    static final List<String> LAYOUTS = List.of(LISTED, INLINE);

    private final int pairs;
    private final int queries;
    private final Alphabet keys;
    private final int keyLength;
    private final Alphabet values;
    private final int valueLength;
    private final boolean inline;

    MqarTask(int pairs, int queries, Alphabet keys, int keyLength, Alphabet values,
            int valueLength, String layout, long seed, int evalSize) {
        this.pairs = pairs;
        this.queries = queries;
        this.keys = keys;
        this.keyLength = keyLength;
        this.values = values;
        this.valueLength = valueLength;
        this.inline = layout.equals(INLINE);
        drawEvaluation(seed, evalSize);
    }

    @Override
    Example generate(RandomGenerator random) {
        // Distinct keys; the source checked that the key space holds at least `pairs` words.
        Set<String> distinct = new LinkedHashSet<>();
        while (distinct.size() < pairs) {
            distinct.add(keys.word(random, keyLength));
        }
        List<String> keyList = new ArrayList<>(distinct);
        List<String> valueList = new ArrayList<>(pairs);
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < pairs; i++) {
            valueList.add(values.word(random, valueLength));
            prompt.append(i == 0 ? "" : " ").append(keyList.get(i)).append('=')
                    .append(valueList.get(i));
        }
        // Distinct queried pairs in random order: a partial Fisher-Yates shuffle of the indices.
        int[] order = new int[pairs];
        for (int i = 0; i < pairs; i++) {
            order[i] = i;
        }
        prompt.append(inline ? "\n" : "\nquery:");
        StringBuilder reference = new StringBuilder();
        for (int q = 0; q < queries; q++) {
            int pick = q + random.nextInt(pairs - q);
            int index = order[pick];
            order[pick] = order[q];
            order[q] = index;
            if (!inline) {
                prompt.append(' ').append(keyList.get(index));
                reference.append(q == 0 ? "" : " ").append(valueList.get(index));
            } else if (q < queries - 1) {
                // "key= value ", spaced as the last answer will be in a document.
                prompt.append(keyList.get(index)).append("= ").append(valueList.get(index))
                        .append(' ');
            } else {
                prompt.append(keyList.get(index)).append('=');
                reference.append(valueList.get(index));
            }
        }
        if (!inline) {
            prompt.append("\nanswer:");
        }
        return new Example(prompt.toString(), reference.toString(), List.of());
    }

    /**
     * {@value #RECALL}: the fraction of reference values matched at their position by the
     * white-space separated words of the completion's first non-blank line; and
     * {@value TaskScore#EXACT_MATCH}: 1 when those words are exactly the reference's.
     */
    @Override
    public TaskScore score(Example example, String completion) {
        if (example.reference() == null) {
            return TaskScore.none();
        }
        String[] expected = example.reference().split(" ");
        String[] given = firstLine(completion == null ? "" : completion).split("\\s+");
        int right = 0;
        for (int i = 0; i < Math.min(expected.length, given.length); i++) {
            if (expected[i].equals(given[i])) {
                right++;
            }
        }
        boolean exact = right == expected.length && given.length == expected.length;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(RECALL, right / (double) expected.length);
        metrics.put(TaskScore.EXACT_MATCH, exact ? 1.0 : 0.0);
        return new TaskScore(metrics);
    }

    private static String firstLine(String text) {
        for (String line : text.split("\\R")) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        return "";
    }
}
