package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.testkit.EachBackend;
import org.sparsa.testkit.OpGradientCheck;

/**
 * Finite-difference checks of {@link DsaReference}'s gradients: of the sparse attention for q,
 * k and v, and of both indexer losses for qi, ki and w (q and k are the losses' detached teacher
 * and pass as constants), on a case small enough to perturb value by value.
 */
class DsaGradientTest {
    private static final int LENGTH = 8;
    private static final int QUERY_HEADS = 2;
    private static final int KV_HEADS = 1;
    private static final int DIM = 4;
    private static final int INDEX_HEADS = 2;
    private static final int INDEX_DIM = 4;
    /** From position 3 on, each query chooses 3 of its keys. */
    static final int TOP_K = 3;

    @EachBackend
    void sparseAttentionMatchesFiniteDifferences(Ops ops) {
        Tensor[] in = tieFreeInputs(ops);
        Variable qi = ops.constant(in[3]);
        Variable ki = ops.constant(in[4]);
        Variable w = ops.constant(in[5]);
        OpGradientCheck.of(ops, x -> DsaReference.forward(x.get(0), x.get(1), x.get(2), qi, ki,
                w, TOP_K).o()).check(in[0], in[1], in[2]);
    }

    @EachBackend
    void denseLossMatchesFiniteDifferences(Ops ops) {
        Tensor[] in = tieFreeInputs(ops);
        OpGradientCheck.of(ops, x -> DsaReference.klDense(x.get(0), x.get(1),
                DsaReference.indexScores(x.get(2), x.get(3), x.get(4), 0), 0))
                .constant(0, 1).check(in[0], in[1], in[3], in[4], in[5]);
    }

    @EachBackend
    void sparseLossMatchesFiniteDifferences(Ops ops) {
        Tensor[] in = tieFreeInputs(ops);
        OpGradientCheck.of(ops, x -> {
            Variable scores = DsaReference.indexScores(x.get(2), x.get(3), x.get(4), 0);
            return DsaReference.klSparse(x.get(0), x.get(1), scores,
                    DsaReference.select(scores, TOP_K, 0), TOP_K, 0);
        }).constant(0, 1).check(in[0], in[1], in[3], in[4], in[5]);
    }

    /**
     * q, k, v, qi, ki, w of the first seed whose case is tie-free. Selection and ReLU are
     * piecewise, so the steps of the check must not cross a boundary: after a step on any index
     * input value, every query selects the same keys and every visible index logit keeps its
     * sign.
     */
    static Tensor[] tieFreeInputs(Ops ops) {
        for (long seed = 1; seed <= 64; seed++) {
            Tensor[] inputs = {
                OpGradientCheck.random(ops, seed, LENGTH, QUERY_HEADS, DIM),
                OpGradientCheck.random(ops, seed + 100, LENGTH, KV_HEADS, DIM),
                OpGradientCheck.random(ops, seed + 200, LENGTH, KV_HEADS, DIM),
                OpGradientCheck.uniform(ops, seed + 300, -1, 1, LENGTH, INDEX_HEADS, INDEX_DIM),
                OpGradientCheck.uniform(ops, seed + 400, -1, 1, LENGTH, INDEX_DIM),
                OpGradientCheck.uniform(ops, seed + 500, -1, 1, LENGTH, INDEX_HEADS)};
            if (tieFree(ops, inputs)) {
                return inputs;
            }
        }
        return fail("no tie-free case among the seeds tried");
    }

    @SuppressWarnings("try") // the scope only needs closing
    private static boolean tieFree(Ops ops, Tensor[] inputs) {
        try (GradScope scope = ops.noGrad()) {
            int[] boundaries = boundaries(ops, inputs[3], inputs[4], inputs[5]);
            for (int i = 3; i < inputs.length; i++) {
                float[] values = inputs[i].toArray();
                for (int j = 0; j < values.length; j++) {
                    for (double step : new double[] {-OpGradientCheck.DEFAULT_STEP,
                        OpGradientCheck.DEFAULT_STEP}) {
                        Tensor[] moved = inputs.clone();
                        float[] changed = values.clone();
                        changed[j] += (float) step;
                        moved[i] = ops.tensor(changed, inputs[i].shape());
                        if (!Arrays.equals(boundaries, boundaries(ops, moved[3], moved[4],
                                moved[5]))) {
                            return false;
                        }
                    }
                }
            }
            return true;
        }
    }

    /** The selected keys, then the sign of every visible index logit. */
    private static int[] boundaries(Ops ops, Tensor qi, Tensor ki, Tensor w) {
        Variable scores = DsaReference.indexScores(ops.constant(qi), ops.constant(ki),
                ops.constant(w), 0);
        int[] selected = DsaReference.select(scores, TOP_K, 0);
        float[] logits = ops.matmul(ops.constant(qi), ops.transpose(ops.constant(ki), 0, 1))
                .value().toArray();
        int[] out = Arrays.copyOf(selected, selected.length + logits.length);
        for (int t = 0; t < LENGTH; t++) {
            for (int j = 0; j < INDEX_HEADS; j++) {
                for (int s = 0; s <= t; s++) {
                    int at = (t * INDEX_HEADS + j) * LENGTH + s;
                    out[selected.length + at] = logits[at] > 0 ? 1 : -1;
                }
            }
        }
        return out;
    }
}
