package org.sparsa.grpo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.testkit.EachBackend;

/** Log-probabilities renormalised over the sampler's kept set. */
class KeepSamplingMaskTest {
    private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, -1.0f, 0.0f};

    /** Over the kept ids the renormalised probabilities sum to 1; the dropped get no gradient. */
    @EachBackend
    void probabilitiesSumToOneOverTheKeptSet(Ops ops) {
        int[] keep = {1, 1, 0, 1, 0};
        double total = 0;
        for (int token : new int[] {0, 1, 3}) {
            Variable logits = ops.leaf(ops.tensor(LOGITS, 1, 1, 5));
            Variable logp = KeepSamplingMask.logProbs(logits, IntTensor.of(new int[] {token}, 1,
                    1), IntTensor.of(keep, 1, 1, 5));
            total += Math.exp(logp.value().item());
            ops.sum(logp, false).backward();
            float[] gradient = logits.grad().orElseThrow().toArray();
            assertEquals(0f, gradient[2]);
            assertEquals(0f, gradient[4]);
            // d logp / d logit_token = 1 - p_token > 0.
            assertTrue(gradient[token] > 0);
        }
        assertEquals(1.0, total, 1e-6);
    }

    /** With nothing dropped it is the plain log-softmax at the sampled token. */
    @EachBackend
    void keepingEverythingIsThePlainLogSoftmax(Ops ops) {
        double sum = 0;
        for (float logit : LOGITS) {
            sum += Math.exp(logit);
        }
        Variable logp = KeepSamplingMask.logProbs(ops.constant(LOGITS, 1, 1, 5),
                IntTensor.of(new int[] {1}, 1, 1), IntTensor.of(new int[] {1, 1, 1, 1, 1}, 1, 1,
                        5));
        assertEquals(1.0 - Math.log(sum), logp.value().item(), 1e-6);
    }

    @EachBackend
    void aTokenOutsideItsKeptSetIsRefused(Ops ops) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeepSamplingMask.logProbs(ops.constant(LOGITS, 1, 1, 5),
                        IntTensor.of(new int[] {2}, 1, 1),
                        IntTensor.of(new int[] {1, 1, 0, 1, 0}, 1, 1, 5)));
        assertTrue(e.getMessage().contains("token 2 at step 0 is not in the kept set"),
                e.getMessage());
    }
}
