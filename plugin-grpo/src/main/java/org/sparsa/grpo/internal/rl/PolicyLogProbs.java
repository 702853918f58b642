package org.sparsa.grpo.internal.rl;

import java.util.List;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelOutput;
import org.sparsa.core.model.Routing;
import org.sparsa.grpo.internal.KeepSamplingMask;

/**
 * The training pass over one rollout group: the model runs over prompt and completions (with
 * the sampling-time MoE routing replayed under Keep Routing), its logits are divided by the
 * sampling temperature as the sampler's were, and each generated token's log-probability is
 * taken, over the sampler's kept set under Keep Sampling Mask and over the whole vocabulary
 * otherwise.
 */
final class PolicyLogProbs {
    private final LlamaModel model;
    private final RlConfig config;
    private final List<String> modes;

    PolicyLogProbs(LlamaModel model, RlConfig config, List<String> modes) {
        this.model = model;
        this.config = config;
        this.modes = modes;
    }

    /**
     * What one pass gave.
     *
     * @param logProbs the generated tokens' log-probabilities, {@code [G, width]}, with gradient
     *     when the pass records one
     * @param logits the logits that predict the generated tokens, temperature applied,
     *     {@code [G, width, V]}
     * @param routing the experts the pass used (the replayed ones under Keep Routing)
     */
    record Pass(Variable logProbs, Variable logits, Routing routing) {
    }

    /** The pass over {@code rollout}. */
    Pass of(Rollout rollout) {
        ModelOutput out = model.forward(rollout.tokens(), modes,
                config.keepRouting() && !rollout.routing().byLayer().isEmpty()
                        ? rollout.routing() : null);
        Ops ops = out.logits().ops();
        int start = rollout.promptLength() - 1;
        Variable logits = ops.slice(out.logits(), 1, start, start + rollout.width());
        double temperature = config.sampler().temperature();
        if (temperature != 1) {
            logits = ops.scale(logits, 1 / temperature);
        }
        IntTensor tokens = rollout.completions();
        int groupSize = rollout.size();
        int width = rollout.width();
        int vocab = model.config().vocab();
        Variable logProbs;
        if (config.keepSamplingMask()) {
            logProbs = KeepSamplingMask.logProbs(logits, tokens, keepMask(rollout, vocab));
        } else {
            Variable all = ops.logSoftmax(logits, -1);
            logProbs = ops.reshape(ops.gather(all, 2, IntTensor.of(tokens.toArray(), groupSize,
                    width, 1)), groupSize, width);
        }
        return new Pass(logProbs, logits, out.routing());
    }

    /** 1 where the sampler kept an id at a step, {@code [G, width, V]}. */
    static IntTensor keepMask(Rollout rollout, int vocab) {
        int steps = rollout.size() * rollout.width();
        int[] keep = new int[steps * vocab];
        for (int s = 0; s < steps; s++) {
            int[] kept = rollout.kept().get(s);
            if (kept == null) {
                java.util.Arrays.fill(keep, s * vocab, (s + 1) * vocab, 1);
            } else {
                for (int id : kept) {
                    keep[s * vocab + id] = 1;
                }
            }
        }
        return IntTensor.of(keep, rollout.size(), rollout.width(), vocab);
    }
}
