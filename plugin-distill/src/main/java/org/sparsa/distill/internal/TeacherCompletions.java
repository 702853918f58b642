package org.sparsa.distill.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.reward.RewardResult;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.TaskScore;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.checkpoint.DurableFiles;
import org.sparsa.core.model.Generator;
import org.sparsa.core.model.Sampler;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * The data of the {@code sequences} mode: each teacher writes {@code samples} completions of
 * each of {@code prompts} prompts of its task (a prompt that leaves no room below the model's
 * {@code max_seq} is skipped and counted); a completion that does not end within the token
 * budget is dropped, and with a reward only those scoring at least {@code min_reward} are kept
 * (rejection sampling), with {@code require_correct} only those the task's exact match accepts. What is kept is written, one JSON object a line, to
 * {@code stages/{stage}/distill-data.jsonl} in the run folder. The prompts and samples of a
 * teacher come from its own random stream of the stage's seed, so the data is the same on every
 * run of the recipe, resumed or not.
 */
final class TeacherCompletions {
    /** The data file's name in the stage's folder. */
    static final String FILE = "distill-data.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<DistilledCompletion> kept = new ArrayList<>();
    private final Map<String, Double> stats = new LinkedHashMap<>();

    private TeacherCompletions() {
    }

    /** Generates, filters and returns the completions of every teacher. */
    static TeacherCompletions generate(List<Teacher> teachers, Tokenizer tokenizer,
            DistillConfig config, RewardFunction reward, long seed) {
        TeacherCompletions out = new TeacherCompletions();
        long written = 0;
        long unfinished = 0;
        long tooLong = 0;
        for (Teacher teacher : teachers) {
            SplitMix64 random = SplitMix64.forPurpose(seed, "distill/" + teacher.name());
            int budgetCap = config.completionTokens() > 0 ? config.completionTokens()
                    : teacher.task().evaluationSet().stream()
                            .filter(e -> e.reference() != null)
                            .mapToInt(e -> tokenizer.encode(" " + e.reference()).length + 2)
                            .max().orElse(16);
            Sampler sampler = config.sampleTemperature() == 0 ? Sampler.greedy()
                    : Sampler.temperature(config.sampleTemperature());
            Generator generator = new Generator(teacher.model());
            long keptBefore = out.kept.size();
            for (int p = 0; p < config.prompts(); p++) {
                Example example = teacher.task().sample(random);
                int[] prompt = tokenizer.encode(example.prompt());
                int budget = Math.min(budgetCap,
                        teacher.model().config().maxSequence() - prompt.length);
                if (prompt.length == 0 || budget < 1) {
                    tooLong++;
                    continue;
                }
                int[] prompts = new int[config.samples() * prompt.length];
                for (int s = 0; s < config.samples(); s++) {
                    System.arraycopy(prompt, 0, prompts, s * prompt.length, prompt.length);
                }
                int[] all;
                try (GradScope noGraph = teacher.model().parameters().autograd().noGrad()) {
                    all = generator.generate(IntTensor.of(prompts, config.samples(),
                            prompt.length), budget, sampler, random, null).tokens().toArray();
                }
                int total = prompt.length + budget;
                List<int[]> finished = new ArrayList<>();
                for (int s = 0; s < config.samples(); s++) {
                    written++;
                    int from = s * total + prompt.length;
                    int end = from;
                    while (end < (s + 1) * total && all[end] != tokenizer.eosId()) {
                        end++;
                    }
                    if (end == (s + 1) * total) {
                        unfinished++;
                    } else {
                        finished.add(Arrays.copyOfRange(all, from, end));
                    }
                }
                out.keep(teacher, example, prompt, finished, tokenizer, reward,
                        config.minReward(), config.requireCorrect());
            }
            out.stats.put("distill/kept/" + teacher.name(),
                    (double) (out.kept.size() - keptBefore));
        }
        out.stats.put("distill/generated", (double) written);
        out.stats.put("distill/unfinished", (double) unfinished);
        out.stats.put("distill/prompts_too_long", (double) tooLong);
        out.stats.put("distill/kept", (double) out.kept.size());
        out.stats.put("distill/keep_rate", written == 0 ? 0 : out.kept.size() / (double) written);
        return out;
    }

    private void keep(Teacher teacher, Example example, int[] prompt, List<int[]> finished,
            Tokenizer tokenizer, RewardFunction reward, double minReward,
            boolean requireCorrect) {
        List<String> texts = finished.stream().map(tokenizer::decode).toList();
        List<Completion> group = new ArrayList<>();
        List<Boolean> correct = new ArrayList<>();
        for (int i = 0; i < finished.size(); i++) {
            TaskScore score = teacher.task().score(example, texts.get(i));
            correct.add(score.get(TaskScore.EXACT_MATCH).orElse(0) == 1);
            Completion.Builder completion = Completion.builder(texts.get(i))
                    .prompt(example.prompt()).reference(example.reference())
                    .lengthTokens(finished.get(i).length).rubric(example.rubric());
            score.get(TaskScore.EXACT_MATCH).ifPresent(m -> completion.correct(m == 1));
            group.add(completion.build());
        }
        List<RewardResult> rewards = reward == null || group.isEmpty() ? null
                : reward.scoreGroup(group);
        for (int i = 0; i < finished.size(); i++) {
            double value = rewards == null ? Double.NaN : rewards.get(i).value();
            if ((rewards == null || value >= minReward) && (!requireCorrect || correct.get(i))) {
                kept.add(new DistilledCompletion(teacher.name(), teacher.taskLabel(),
                        example.prompt(), texts.get(i), example.reference(), value, prompt,
                        finished.get(i)));
            }
        }
    }

    /** The kept completions, teacher by teacher, in the order they were written. */
    List<DistilledCompletion> kept() {
        return kept;
    }

    /** How many were written, left unfinished and kept, as metrics. */
    Map<String, Double> stats() {
        return stats;
    }

    /**
     * Writes the kept completions to {@code folder/}{@value #FILE}: per line {@code teacher},
     * {@code task}, {@code prompt}, {@code completion}, {@code reference} and, with a filter,
     * {@code reward}.
     */
    Path write(Path folder) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (DistilledCompletion c : kept) {
            ObjectNode line = JSON.createObjectNode();
            line.put("teacher", c.teacher());
            line.put("task", c.task());
            line.put("prompt", c.prompt());
            line.put("completion", c.completion());
            if (c.reference() != null) {
                line.put("reference", c.reference());
            }
            if (!Double.isNaN(c.reward())) {
                line.put("reward", c.reward());
            }
            lines.append(JSON.writeValueAsString(line)).append('\n');
        }
        java.nio.file.Files.createDirectories(folder);
        Path file = folder.resolve(FILE);
        DurableFiles.replace(file, lines.toString().getBytes(StandardCharsets.UTF_8));
        return file;
    }
}
