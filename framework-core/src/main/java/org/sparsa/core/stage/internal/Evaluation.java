package org.sparsa.core.stage.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskScore;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.Generation;
import org.sparsa.core.model.Generator;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.Sampler;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * Scores the model on the first examples of the task's evaluation set, recording no graph:
 * {@code eval/loss} is the mean next-token loss over the answers' tokens (a whole text window
 * when an example has no reference), and each metric of
 * the task's {@link org.sparsa.api.task.Task#score} ({@code eval/recall},
 * {@code eval/exact_match}, …) is averaged over the examples with a reference, answered by
 * greedy decoding from the prompt until the end-of-sequence token. The measurements of the
 * attention layers that offer them ({@link LlamaModel#diagnostics}, such as DSA's
 * {@code indexer_recall}) are taken on the first batch of the loss and reported as
 * {@code eval/{name}}, each averaged over the layers. Run for a stage at a step, it also
 * writes what the model answered ({@link EvaluationSamples}).
 */
final class Evaluation {
    /** The prefix of every metric an evaluation reports. */
    static final String PREFIX = "eval/";

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Task task;
    private final StageSettings settings;
    private final int limit;
    private final int maxNewTokens;
    private final TrainingContext context;
    private final List<EvaluationSamples.Sample> samples = new ArrayList<>();

    /**
     * @param settings the stage's settings: batch, seq_len and attention modes
     * @param limit examples scored, 0 for the whole evaluation set
     * @param maxNewTokens tokens generated per answer, 0 for the longest reference plus two
     */
    Evaluation(TrainingContext context, StageSettings settings, int limit, int maxNewTokens) {
        this(context.model(), context.tokenizer(), context.task(), settings, limit, maxNewTokens,
                context);
    }

    /** Scores {@code model} on {@code task}, which need not be the stage's own. */
    Evaluation(LlamaModel model, Tokenizer tokenizer, Task task, StageSettings settings,
            int limit, int maxNewTokens) {
        this(model, tokenizer, task, settings, limit, maxNewTokens, null);
    }

    private Evaluation(LlamaModel model, Tokenizer tokenizer, Task task, StageSettings settings,
            int limit, int maxNewTokens, TrainingContext context) {
        this.context = context;
        this.model = model;
        this.tokenizer = tokenizer;
        this.task = task;
        this.settings = settings;
        this.limit = limit;
        this.maxNewTokens = maxNewTokens;
    }

    /**
     * The scores at the stage's step {@code step}, as {@link #run()}; what the model answered
     * goes to the stage's {@link EvaluationSamples#file} when this evaluation is the stage's own.
     */
    Map<String, Double> run(long step) {
        Map<String, Double> metrics = run();
        if (context != null && !samples.isEmpty()) {
            EvaluationSamples.write(EvaluationSamples.file(context.runFolder(), context.name(),
                    step), samples, task.evaluationGrid());
        }
        return metrics;
    }

    /** The scores, recorded without a graph, as {@code eval/...} metrics. */
    Map<String, Double> run() {
        samples.clear();
        List<Example> all = task.evaluationSet();
        List<Example> examples = limit > 0 && limit < all.size() ? all.subList(0, limit) : all;
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (examples.isEmpty()) {
            return metrics;
        }
        try (GradScope noGraph = model.parameters().autograd().noGrad()) {
            metrics.put(PREFIX + "loss", loss(examples, metrics));
            metrics.putAll(scores(examples));
        }
        return metrics;
    }

    /**
     * The mean next-token loss over what the model is asked to produce: the answer's tokens
     * (and end of sequence) of an example with a reference, every token of one without (a text
     * window); documents cut at the stage's seq_len. The layers' measurements on the first
     * batch go into {@code metrics}.
     */
    private double loss(List<Example> examples, Map<String, Double> metrics) {
        int seqLen = Math.min(settings.seqLen(), model.config().maxSequence());
        int rows = settings.batch();
        List<String> modes = settings.modes(model.config().layers());
        double sum = 0;
        long counted = 0;
        for (int from = 0; from < examples.size(); from += rows) {
            List<Example> chunk = examples.subList(from, Math.min(examples.size(), from + rows));
            List<int[]> documents = new ArrayList<>();
            int time = 2;
            for (Example example : chunk) {
                int[] document = ExampleTokens.document(tokenizer, example);
                documents.add(document);
                time = Math.max(time, Math.min(seqLen, document.length));
            }
            int[] tokens = new int[documents.size() * time];
            int[] mask = new int[tokens.length];
            Arrays.fill(tokens, tokenizer.padId());
            long targets = 0;
            for (int r = 0; r < documents.size(); r++) {
                int n = Math.min(time, documents.get(r).length);
                System.arraycopy(documents.get(r), 0, tokens, r * time, n);
                int first = chunk.get(r).reference() == null ? 1
                        : Math.max(1, ExampleTokens.prompt(tokenizer, chunk.get(r)).length);
                for (int i = first; i < n; i++) {
                    mask[r * time + i] = 1;
                    targets++;
                }
            }
            if (targets == 0) {
                continue;
            }
            IntTensor batch = IntTensor.of(tokens, documents.size(), time);
            if (from == 0) {
                metrics.putAll(layerMeans(model.diagnostics(batch, modes)));
            }
            Variable logits = model.forward(batch, modes, null).logits();
            Variable loss = LlamaModel.nextTokenLoss(logits, batch,
                    IntTensor.of(mask, documents.size(), time));
            sum += loss.value().item() * targets;
            counted += targets;
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }

    /** {@code layer.{i}.{name}} values as {@code eval/{name}}, each the mean over the layers. */
    static Map<String, Double> layerMeans(Map<String, Double> byLayer) {
        Map<String, double[]> totals = new LinkedHashMap<>();
        byLayer.forEach((name, value) -> {
            double[] t = totals.computeIfAbsent(PREFIX + TrainingLoop.layerFree(name),
                    k -> new double[2]);
            t[0] += value;
            t[1]++;
        });
        Map<String, Double> means = new LinkedHashMap<>();
        totals.forEach((name, t) -> means.put(name, t[0] / t[1]));
        return means;
    }

    /** The task's metrics, averaged over the examples that report each. */
    private Map<String, Double> scores(List<Example> examples) {
        int steps = maxNewTokens > 0 ? maxNewTokens : examples.stream()
                .filter(e -> e.reference() != null)
                .mapToInt(e -> ExampleTokens.answer(tokenizer, e).length + 1).max().orElse(0);
        // Prompts of one length generate together; the groups run in order of length.
        // Each group holds the examples' places in the evaluation set, which the samples keep.
        Map<Integer, List<Integer>> byLength = new TreeMap<>();
        for (int index = 0; index < examples.size(); index++) {
            Example example = examples.get(index);
            if (example.reference() != null) {
                byLength.computeIfAbsent(ExampleTokens.prompt(tokenizer, example).length,
                        n -> new ArrayList<>()).add(index);
            }
        }
        Map<String, double[]> totals = new LinkedHashMap<>();
        Generator generator = new Generator(model);
        int rows = settings.batch();
        for (Map.Entry<Integer, List<Integer>> group : byLength.entrySet()) {
            int length = group.getKey();
            int budget = Math.min(steps, model.config().maxSequence() - length);
            List<Integer> same = group.getValue();
            for (int from = 0; from < same.size(); from += rows) {
                List<Integer> indices = same.subList(from, Math.min(same.size(), from + rows));
                List<Example> chunk = indices.stream().map(examples::get).toList();
                List<String> completions = budget < 1 || length < 1
                        ? chunk.stream().map(e -> "").toList()
                        : complete(generator, chunk, length, budget);
                for (int i = 0; i < chunk.size(); i++) {
                    TaskScore score = task.score(chunk.get(i), completions.get(i));
                    samples.add(new EvaluationSamples.Sample(indices.get(i), chunk.get(i).prompt(),
                            chunk.get(i).reference(), completions.get(i), score.metrics()));
                    score.metrics().forEach((name, value) -> {
                        double[] t = totals.computeIfAbsent(PREFIX + name, k -> new double[2]);
                        t[0] += value;
                        t[1]++;
                    });
                }
            }
        }
        Map<String, Double> means = new LinkedHashMap<>();
        totals.forEach((name, t) -> means.put(name, t[0] / t[1]));
        return means;
    }

    /** Greedy completions of prompts of {@code length} tokens, each cut at end of sequence. */
    private List<String> complete(Generator generator, List<Example> chunk, int length,
            int budget) {
        int[] prompts = new int[chunk.size() * length];
        for (int i = 0; i < chunk.size(); i++) {
            System.arraycopy(ExampleTokens.prompt(tokenizer, chunk.get(i)), 0, prompts,
                    i * length, length);
        }
        Generation generation = generator.generate(IntTensor.of(prompts, chunk.size(), length),
                budget, Sampler.greedy(), SplitMix64.seeded(0),
                settings.modes(model.config().layers()));
        int[] all = generation.tokens().toArray();
        int total = length + budget;
        List<String> completions = new ArrayList<>(chunk.size());
        for (int i = 0; i < chunk.size(); i++) {
            int end = i * total + length;
            while (end < (i + 1) * total && all[end] != tokenizer.eosId()) {
                end++;
            }
            completions.add(tokenizer.decode(Arrays.copyOfRange(all, i * total + length, end)));
        }
        return completions;
    }
}
