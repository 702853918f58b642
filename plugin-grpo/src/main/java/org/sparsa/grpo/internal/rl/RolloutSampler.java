package org.sparsa.grpo.internal.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskScore;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.Generation;
import org.sparsa.core.model.GenerationStep;
import org.sparsa.core.model.Generator;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * Samples a prompt's group: the prompt repeated G times goes through the KV-cache generator with
 * the stage's sampler, each completion is cut at its end of sequence, decoded and scored by the
 * rewards and by the task. Prompts are tokenised as the built-in stages do (the prompt's text
 * alone), so a model fine-tuned by {@code sft} continues it the way it learned.
 */
final class RolloutSampler {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Task task;
    private final WeightedRewards rewards;
    private final RlConfig config;
    private final List<String> modes;

    RolloutSampler(LlamaModel model, Tokenizer tokenizer, Task task, WeightedRewards rewards,
            RlConfig config, List<String> modes) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.task = task;
        this.rewards = rewards;
        this.config = config;
        this.modes = modes;
    }

    /**
     * Samples and scores the group of {@code example}, drawing from {@code random}.
     *
     * @throws IllegalArgumentException when the prompt and max_new_tokens exceed the model's
     *     max_seq
     */
    Rollout sample(Example example, RandomGenerator random) {
        int[] prompt = tokenizer.encode(example.prompt());
        if (prompt.length == 0) {
            prompt = new int[] {tokenizer.bosId()};
        }
        int groupSize = config.groupSize();
        int width = config.maxNewTokens();
        if (prompt.length + width > model.config().maxSequence()) {
            throw new IllegalArgumentException("rl: a prompt of " + prompt.length + " tokens and "
                    + "max_new_tokens " + width + " exceed the model's max_seq "
                    + model.config().maxSequence() + "; lower max_new_tokens or raise max_seq");
        }
        int[] prompts = new int[groupSize * prompt.length];
        for (int g = 0; g < groupSize; g++) {
            System.arraycopy(prompt, 0, prompts, g * prompt.length, prompt.length);
        }
        Generation generation;
        try (GradScope noGraph = model.parameters().autograd().noGrad()) {
            generation = new Generator(model).generate(IntTensor.of(prompts, groupSize,
                    prompt.length), width, config.sampler(), random, modes);
        }
        float[] mask = new float[groupSize * width];
        float[] samplerLogProbs = new float[groupSize * width];
        List<int[]> kept = new ArrayList<>(groupSize * width);
        for (int i = 0; i < groupSize * width; i++) {
            kept.add(null);
        }
        int[] lengths = new int[groupSize];
        boolean[] truncated = new boolean[groupSize];
        List<GenerationStep> steps = generation.steps();
        List<Completion> completions = new ArrayList<>(groupSize);
        double[] correct = new double[groupSize];
        boolean scored = false;
        for (int g = 0; g < groupSize; g++) {
            int length = width;
            truncated[g] = true;
            for (int s = 0; s < width; s++) {
                GenerationStep step = steps.get(s);
                samplerLogProbs[g * width + s] = (float) step.samplerLogProbs()[g];
                kept.set(g * width + s, step.kept().get(g));
                if (truncated[g] && step.tokens()[g] == tokenizer.eosId()) {
                    truncated[g] = false;
                    length = s + 1;
                }
            }
            lengths[g] = length;
            int[] text = new int[truncated[g] ? length : length - 1];
            for (int s = 0; s < text.length; s++) {
                text[s] = steps.get(s).tokens()[g];
            }
            boolean counted = !(truncated[g] && config.overlongMask());
            for (int s = 0; s < length && counted; s++) {
                mask[g * width + s] = 1;
            }
            String decoded = tokenizer.decode(text);
            completions.add(Completion.builder(decoded).prompt(example.prompt())
                    .reference(example.reference()).lengthTokens(text.length)
                    .rubric(example.rubric()).build());
            var match = task.score(example, decoded).get(TaskScore.EXACT_MATCH);
            scored |= match.isPresent();
            correct[g] = match.orElse(0);
        }
        List<WeightedRewards.Score> scores = rewards.score(completions);
        double[] totals = scores.stream().mapToDouble(WeightedRewards.Score::total).toArray();
        return new Rollout(example, generation.tokens(), prompt.length, width, mask,
                samplerLogProbs, kept, generation.routing(), totals, scores, lengths, truncated,
                scored ? correct : new double[0]);
    }

}
