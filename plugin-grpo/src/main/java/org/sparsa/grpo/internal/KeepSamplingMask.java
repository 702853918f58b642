package org.sparsa.grpo.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;

/**
 * Keep Sampling Mask (DeepSeek-V3.2): the log-probability of each sampled token renormalised
 * over the vocabulary entries the sampler kept at that step (top-p / top-k), so the training
 * policy and the sampler share one support: {@code log_softmax(logits masked to the kept set)}
 * at the sampled token. Differentiable in the logits; the masked-out entries get no gradient.
 */
public final class KeepSamplingMask {

    private KeepSamplingMask() {
    }

    /**
     * The renormalised log-probabilities, [B,T].
     *
     * @param logits [B,T,V]
     * @param tokens the sampled ids, [B,T]
     * @param keep non-zero where the sampler kept the entry, [B,T,V]
     * @throws IllegalArgumentException on shapes that do not fit, a token id out of range, or a
     *     sampled token outside its kept set (which the sampler cannot have produced)
     */
    public static Variable logProbs(Variable logits, IntTensor tokens, IntTensor keep) {
        int[] shape = logits.shape();
        if (shape.length != 3 || !Arrays.equals(keep.shape(), shape)
                || !Arrays.equals(tokens.shape(), new int[] {shape[0], shape[1]})) {
            throw new IllegalArgumentException("keep sampling mask: expected logits and keep"
                    + " [B,T,V] and tokens [B,T], found logits " + Arrays.toString(shape)
                    + ", keep " + Arrays.toString(keep.shape()) + ", tokens "
                    + Arrays.toString(tokens.shape()));
        }
        int vocabulary = shape[2];
        int[] dropped = new int[keep.size()];
        for (int j = 0; j < dropped.length; j++) {
            dropped[j] = keep.at(j) == 0 ? 1 : 0;
        }
        for (int step = 0; step < tokens.size(); step++) {
            int token = tokens.at(step);
            if (token < 0 || token >= vocabulary) {
                throw new IllegalArgumentException("keep sampling mask: token " + token
                        + " at step " + step + " is outside the vocabulary of " + vocabulary);
            }
            if (dropped[step * vocabulary + token] != 0) {
                throw new IllegalArgumentException("keep sampling mask: token " + token
                        + " at step " + step + " is not in the kept set the sampler recorded");
            }
        }
        Ops ops = logits.ops();
        Variable kept = ops.maskedFill(logits, IntTensor.of(dropped, shape),
                Float.NEGATIVE_INFINITY);
        Variable logProbs = ops.logSoftmax(kept, -1);
        Variable picked = ops.gather(logProbs, 2,
                IntTensor.of(tokens.toArray(), shape[0], shape[1], 1));
        return ops.reshape(picked, shape[0], shape[1]);
    }
}
