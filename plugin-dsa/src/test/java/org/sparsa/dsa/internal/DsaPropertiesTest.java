package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.attention.FullAttentionReference;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.testkit.EachBackend;

/**
 * Properties the spec implies for {@link DsaReference}: it is full causal attention while a
 * sequence is no longer than {@code top_k}, it selects as promised and attends to the selection
 * alone, it is causal, and a single position works.
 */
class DsaPropertiesTest {

    @EachBackend
    void sequencesNoLongerThanTopKAreFullCausalAttention(Ops ops) {
        int length = 11;
        DsaInputs in = DsaInputs.random(ops, 1, length, 4, 2, 8, 3, 6);
        double[] full = fullAttention(in);
        for (int topK : new int[] {length, length + 6}) {
            DsaReference.Result result = in.run(topK);
            assertClose(full, result.o().value().toArray(), 2e-5);
            // Every visible key, ascending, then -1.
            for (int t = 0; t < length; t++) {
                for (int c = 0; c < topK; c++) {
                    assertEquals(c <= t ? c : -1, result.topk()[t * topK + c]);
                }
            }
        }
        assertClose(full, DsaReference.denseAttention(in.q(), in.k(), in.v(), 0).value()
                .toArray(), 2e-5);
    }

    @EachBackend
    void eachQuerySelectsItsBestVisibleKeys(Ops ops) {
        int length = 19;
        int topK = 6;
        DsaInputs in = DsaInputs.random(ops, 2, length, 2, 1, 4, 2, 4);
        DsaReference.Result result = in.run(topK);
        float[] scores = result.scores().value().toArray();
        for (int t = 0; t < length; t++) {
            int[] row = Arrays.copyOfRange(result.topk(), t * topK, (t + 1) * topK);
            int count = Math.min(topK, t + 1);
            float worstChosen = Float.POSITIVE_INFINITY;
            for (int c = 0; c < topK; c++) {
                if (c < count) {
                    assertTrue(row[c] >= 0 && row[c] <= t, "row " + t + ": " + row[c]);
                    assertTrue(c == 0 || row[c - 1] < row[c], "row " + t + " not ascending");
                    worstChosen = Math.min(worstChosen, scores[t * length + row[c]]);
                } else {
                    assertEquals(-1, row[c], "row " + t + " pad");
                }
            }
            for (int s = 0; s < length; s++) {
                float score = scores[t * length + s];
                if (s > t) {
                    assertEquals(Float.NEGATIVE_INFINITY, score, "hidden score " + t + ", " + s);
                } else if (Arrays.binarySearch(row, 0, count, s) < 0) {
                    assertTrue(score <= worstChosen, "row " + t + " left out a better key " + s);
                }
            }
        }
    }

    @Test
    void tiesGoToTheLowerIndex() {
        // Query 4 sees five keys: scores 1, 3, 3, -0, 3 with room for two.
        float[] scores = new float[5 * 5];
        System.arraycopy(new float[] {1, 3, 3, -0f, 3}, 0, scores, 20, 5);
        int[] selected = TopKSelection.select(scores, 5, 5, 0, 2);
        assertArrayEquals(new int[] {1, 2}, Arrays.copyOfRange(selected, 8, 10));
        // Rows that see no more keys than top_k take them all; a zero and a negative zero tie,
        // so the lower index wins whichever sign it has.
        float[] zeros = {0, 0, 0, 0, 0, 0, -0f, 0, 0};
        assertArrayEquals(new int[] {0, -1, 0, 1, 0, 1}, TopKSelection.select(zeros, 3, 3, 0, 2));
        float[] signs = {5, 5, 5, 5, 5, 5, -0f, 0, -1};
        assertArrayEquals(new int[] {0, 0, 0}, TopKSelection.select(signs, 3, 3, 0, 1));
    }

    @EachBackend
    void sparseAttentionIsTheSoftmaxOverTheSelectedKeys(Ops ops) {
        int length = 17;
        int topK = 5;
        int heads = 4;
        int kvHeads = 2;
        int dim = 8;
        DsaInputs in = DsaInputs.random(ops, 3, length, heads, kvHeads, dim, 2, 4);
        DsaReference.Result result = in.run(topK);
        float[] q = in.q().value().toArray();
        float[] k = in.k().value().toArray();
        float[] v = in.v().value().toArray();
        float[] o = result.o().value().toArray();
        for (int t = 0; t < length; t++) {
            for (int h = 0; h < heads; h++) {
                int g = h / (heads / kvHeads);
                double[] logits = new double[topK];
                double max = Double.NEGATIVE_INFINITY;
                int count = Math.min(topK, t + 1);
                for (int c = 0; c < count; c++) {
                    int s = result.topk()[t * topK + c];
                    for (int d = 0; d < dim; d++) {
                        logits[c] += q[(t * heads + h) * dim + d] * k[(s * kvHeads + g) * dim + d];
                    }
                    logits[c] /= Math.sqrt(dim);
                    max = Math.max(max, logits[c]);
                }
                double total = 0;
                for (int c = 0; c < count; c++) {
                    total += Math.exp(logits[c] - max);
                }
                for (int d = 0; d < dim; d++) {
                    double want = 0;
                    for (int c = 0; c < count; c++) {
                        int s = result.topk()[t * topK + c];
                        want += Math.exp(logits[c] - max) / total * v[(s * kvHeads + g) * dim + d];
                    }
                    assertEquals(want, o[(t * heads + h) * dim + d], 2e-5,
                            "query " + t + " head " + h + " entry " + d);
                }
            }
        }
    }

    @EachBackend
    void laterPositionsDoNotChangeEarlierOutputs(Ops ops) {
        int length = 21;
        int last = 9;
        int topK = 4;
        DsaInputs in = DsaInputs.random(ops, 4, length, 4, 1, 8, 2, 4);
        DsaInputs perturbed = in.perturbAfter(last, 99);
        DsaReference.Result before = in.run(topK);
        DsaReference.Result after = perturbed.run(topK);
        int rows = (last + 1) * 4 * 8;
        assertArrayEquals(Arrays.copyOf(before.o().value().toArray(), rows),
                Arrays.copyOf(after.o().value().toArray(), rows));
        assertArrayEquals(Arrays.copyOf(before.scores().value().toArray(), (last + 1) * length),
                Arrays.copyOf(after.scores().value().toArray(), (last + 1) * length));
        assertArrayEquals(Arrays.copyOf(before.topk(), (last + 1) * topK),
                Arrays.copyOf(after.topk(), (last + 1) * topK));
        // The perturbation did reach the later outputs.
        assertFalse(Arrays.equals(before.o().value().toArray(), after.o().value().toArray()));
        // The losses of the first positions alone do not see the later ones either.
        DsaInputs head = prefix(in, last + 1);
        DsaInputs perturbedHead = prefix(perturbed, last + 1);
        assertArrayEquals(klDense(head).value().toArray(), klDense(perturbedHead).value()
                .toArray());
    }

    @EachBackend
    void aSinglePositionAttendsToItself(Ops ops) {
        DsaInputs in = DsaInputs.random(ops, 5, 1, 4, 2, 8, 2, 4);
        DsaReference.Result result = in.run(3);
        assertArrayEquals(new int[] {0, -1, -1}, result.topk());
        float[] v = in.v().value().toArray();
        float[] o = result.o().value().toArray();
        for (int h = 0; h < 4; h++) {
            for (int d = 0; d < 8; d++) {
                assertEquals(v[(h / 2) * 8 + d], o[h * 8 + d], 1e-6, "head " + h);
            }
        }
        Variable scores = in.scores();
        // Teacher and student both put everything on the one key.
        assertEquals(0, klDense(in).value().toArray()[0], 1e-7);
        assertEquals(0, DsaReference.klSparse(in.q(), in.k(), scores, result.topk(), 3, 0)
                .value().toArray()[0], 1e-7);
    }

    @EachBackend
    void theLossesAreNonNegativeAndTheSparseOneSeesOnlyTheSelection(Ops ops) {
        int length = 15;
        DsaInputs in = DsaInputs.random(ops, 6, length, 4, 1, 8, 2, 4);
        Variable scores = in.scores();
        float dense = klDense(in).value().toArray()[0];
        assertTrue(dense > 0, "dense KL " + dense);
        int[] all = DsaReference.select(scores, length, 0);
        assertEquals(dense, DsaReference.klSparse(in.q(), in.k(), scores, all, length, 0).value()
                .toArray()[0], 1e-6, "selecting every key is the dense loss");
        int[] few = DsaReference.select(scores, 3, 0);
        float sparse = DsaReference.klSparse(in.q(), in.k(), scores, few, 3, 0).value()
                .toArray()[0];
        assertTrue(sparse >= 0 && sparse != dense, "sparse KL " + sparse);
    }

    private static Variable klDense(DsaInputs in) {
        return DsaReference.klDense(in.q(), in.k(), in.scores(), 0);
    }

    private static DsaInputs prefix(DsaInputs in, int length) {
        Ops ops = in.q().ops();
        return new DsaInputs(ops.slice(in.q(), 0, 0, length), ops.slice(in.k(), 0, 0, length),
                ops.slice(in.v(), 0, 0, length), ops.slice(in.qi(), 0, 0, length),
                ops.slice(in.ki(), 0, 0, length), ops.slice(in.w(), 0, 0, length));
    }

    /** Full causal attention of the inputs, in float64. */
    private static double[] fullAttention(DsaInputs in) {
        int[] q = in.q().shape();
        FullAttentionSpec spec = new FullAttentionSpec(q[0], q[1], in.k().shape()[1], q[2], 0);
        return FullAttentionReference.forward(spec, widen(in.q()), widen(in.k()), widen(in.v()));
    }

    private static double[] widen(Variable x) {
        float[] values = x.value().toArray();
        double[] wide = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return wide;
    }

    private static void assertClose(double[] want, float[] got, double tolerance) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tolerance, "value " + i);
        }
    }
}
