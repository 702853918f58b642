package org.sparsa.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.tensor.IntTensor;

/**
 * Generates tokens with a {@link LlamaModel} and per-layer caches: the prompts go through the
 * model at once (prefill), then each step picks one token per sequence from the last logits
 * and feeds it back, one position at a time. Records no graph.
 *
 * <p>Each step keeps what training on the result needs: the picked tokens' log-probabilities,
 * the kept-token sets of a truncating sampler and the MoE routing of every position (see
 * {@link Generation#routing()}).
 */
public final class Generator {
    private final LlamaModel model;

    /** A generator over {@code model}. */
    public Generator(LlamaModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /**
     * Generates {@code steps} tokens after each of {@code prompt [batch, promptLength]}.
     *
     * @param modes each layer's attention mode, or null for the defaults
     * @param random where the sampler draws from, one draw per sequence per step in sequence
     *     order
     * @throws IllegalArgumentException when prompt and steps exceed the model's max_sequence
     */
    public Generation generate(IntTensor prompt, int steps, Sampler sampler,
            RandomGenerator random, List<String> modes) {
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(random, "random");
        int[] shape = prompt.shape();
        if (shape.length != 2 || shape[0] < 1 || shape[1] < 1) {
            throw new IllegalArgumentException("generator: prompt of shape "
                    + Arrays.toString(shape) + ", expected [batch, length] with both >= 1");
        }
        if (steps < 0) {
            throw new IllegalArgumentException("generator: steps must be >= 0, found " + steps);
        }
        int batch = shape[0];
        int total = shape[1] + steps;
        if (total > model.config().maxSequence()) {
            throw new IllegalArgumentException("generator: a prompt of " + shape[1] + " and "
                    + steps + " steps make " + total + " positions, more than max_sequence "
                    + model.config().maxSequence());
        }
        List<KvCache> caches = model.newCaches(batch, total);
        ModelOutput out = model.decode(prompt, caches, modes, null);
        Routing promptRouting = out.routing();
        float[] last = lastRows(out);
        int vocab = model.config().vocab();

        List<GenerationStep> record = new ArrayList<>(steps);
        for (int s = 0; s < steps; s++) {
            int[] tokens = new int[batch];
            double[] logProbs = new double[batch];
            double[] samplerLogProbs = new double[batch];
            List<int[]> kept = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) {
                Sampler.Pick pick = sampler.pick(Arrays.copyOfRange(last, b * vocab,
                        (b + 1) * vocab), random);
                tokens[b] = pick.token();
                logProbs[b] = pick.logProb();
                samplerLogProbs[b] = pick.samplerLogProb();
                kept.add(pick.kept());
            }
            // Fed back even at the last step, so that every position has its routing.
            out = model.decode(IntTensor.of(tokens, batch, 1), caches, modes, null);
            last = lastRows(out);
            record.add(new GenerationStep(tokens, logProbs, samplerLogProbs, kept,
                    out.routing()));
        }
        return new Generation(prompt, promptRouting, record);
    }

    /** The logits of each sequence's last position, {@code [batch * vocab]}. */
    private float[] lastRows(ModelOutput out) {
        int[] shape = out.logits().shape();
        int batch = shape[0];
        int time = shape[1];
        int vocab = shape[2];
        float[] all = out.logits().value().toArray();
        float[] rows = new float[batch * vocab];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(all, (b * time + time - 1) * vocab, rows, b * vocab, vocab);
        }
        return rows;
    }
}
