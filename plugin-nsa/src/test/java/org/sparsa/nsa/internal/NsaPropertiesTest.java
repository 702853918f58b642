package org.sparsa.nsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.attention.FullAttentionReference;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.testkit.EachBackend;
import org.sparsa.testkit.OpGradientCheck;

/**
 * Properties the spec implies for {@link NsaReference}: its branches reduce to full attention
 * where they see every key (the window over keys of its own too), it is causal, short sequences
 * work, and the selected ids have the promised form.
 */
class NsaPropertiesTest {
    private static final NsaParams SMALL = new NsaParams(4, 2, 4, 3, 3, 1, 2);

    @EachBackend
    void selectedBranchWithEveryBlockIsFullCausalAttention(Ops ops) {
        int length = 21;
        // n = 6 blocks cover all ceil(21 / 4) selection blocks.
        NsaParams params = new NsaParams(4, 2, 4, 6, 3, 1, 2);
        Inputs in = Inputs.random(ops, 1, length, 4, 2, 8, params, new float[] {0, 1, 0});
        assertClose(fullAttention(in, 0), in.run(params).o().value().toArray(), 2e-5);
    }

    @EachBackend
    void windowBranchIsWindowedAttention(Ops ops) {
        int length = 17;
        for (int window : new int[] {length, length + 5, 5, 1}) {
            NsaParams params = new NsaParams(4, 2, 4, 3, window, 1, 2);
            Inputs in = Inputs.random(ops, 2, length, 4, 2, 8, params, new float[] {0, 0, 1});
            // A window of at least T is full causal attention.
            assertClose(fullAttention(in, window >= length ? 0 : window),
                    in.run(params).o().value().toArray(), 2e-5);
            // With keys and values of its own, the window attends over those.
            Variable kWin = Inputs.constant(ops, 20, 1, length, 2, 8);
            Variable vWin = Inputs.constant(ops, 21, 1, length, 2, 8);
            FullAttentionSpec spec = new FullAttentionSpec(length, 4, 2, 8,
                    window >= length ? 0 : window);
            assertClose(FullAttentionReference.forward(spec, widen(in.q), widen(kWin),
                    widen(vWin)), NsaReference.forward(in.q, in.k, in.v, kWin, vWin, in.gates,
                    in.wk, in.wv, in.pek, in.pev, params).o().value().toArray(), 2e-5);
        }
    }

    @EachBackend
    void laterPositionsDoNotChangeEarlierOutputs(Ops ops) {
        int length = 23;
        int last = 11;
        NsaParams params = new NsaParams(4, 2, 4, 3, 5, 1, 2);
        Inputs in = Inputs.random(ops, 3, length, 4, 2, 8, params, null);
        NsaReference.Result before = in.run(params);
        Inputs perturbed = in.perturbAfter(last, 99);
        NsaReference.Result after = perturbed.run(params);
        int rows = (last + 1) * 4 * 8;
        assertArrayEquals(Arrays.copyOf(before.o().value().toArray(), rows),
                Arrays.copyOf(after.o().value().toArray(), rows));
        int ids = (last + 1) * 2 * params.selectCount();
        assertArrayEquals(Arrays.copyOf(before.selected(), ids),
                Arrays.copyOf(after.selected(), ids));
        // The perturbation did reach the later outputs.
        assertTrue(!Arrays.equals(before.o().value().toArray(), after.o().value().toArray()));
    }

    @EachBackend
    void shortSequencesGiveFiniteOutputs(Ops ops) {
        NsaParams params = new NsaParams(8, 4, 16, 5, 12, 1, 2);
        // T = 1, T < l (no compressed token), l <= T < l' (one selection block), T = l.
        for (int length : new int[] {1, 5, 8, 12}) {
            Inputs in = Inputs.random(ops, 4, length, 4, 2, 8, params, null);
            NsaReference.Result result = in.run(params);
            assertEquals(length * 4 * 8, result.o().value().size());
            for (float x : result.o().value().toArray()) {
                assertTrue(Float.isFinite(x), "T = " + length + ": " + x);
            }
            checkSelection(result.selected(), length, 2, params);
        }
    }

    @EachBackend
    void compressedBranchIsZeroWithoutAVisibleCompressedToken(Ops ops) {
        NsaParams params = new NsaParams(8, 4, 16, 5, 12, 1, 2);
        int length = 14;
        Inputs in = Inputs.random(ops, 5, length, 4, 2, 8, params, new float[] {1, 0, 0});
        float[] o = in.run(params).o().value().toArray();
        // Compressed token 0 ends at key 7: queries 0..6 see none.
        for (int i = 0; i < 7 * 4 * 8; i++) {
            assertEquals(0f, o[i], 0f, "o value " + i);
        }
        assertTrue(Math.abs(o[7 * 4 * 8]) > 0);
        // Below one block there is no compressed token at all.
        Inputs shorter = Inputs.random(ops, 6, 5, 4, 2, 8, params, new float[] {1, 0, 0});
        for (float x : shorter.run(params).o().value().toArray()) {
            assertEquals(0f, x, 0f);
        }
    }

    @EachBackend
    void selectedIdsAreSortedInRangePaddedAndHoldTheForcedBlocks(Ops ops) {
        for (NsaParams params : new NsaParams[] {new NsaParams(8, 4, 16, 5, 12, 1, 2), SMALL,
            new NsaParams(4, 4, 8, 4, 6, 0, 1), new NsaParams(4, 2, 2, 3, 3, 2, 0)}) {
            int length = 70;
            Inputs in = Inputs.random(ops, 7, length, 4, 2, 8, params, null);
            checkSelection(in.run(params).selected(), length, 2, params);
        }
    }

    /** The spec's form of the selected ids, row by row. */
    private static void checkSelection(int[] selected, int length, int kvHeads,
            NsaParams params) {
        int count = params.selectCount();
        assertEquals(length * kvHeads * count, selected.length);
        for (int t = 0; t < length; t++) {
            int current = t / params.selectBlock();
            int expected = Math.min(count, current + 1);
            for (int g = 0; g < kvHeads; g++) {
                int[] row = Arrays.copyOfRange(selected, (t * kvHeads + g) * count,
                        (t * kvHeads + g + 1) * count);
                String where = "t " + t + ", head " + g + ": " + Arrays.toString(row);
                for (int c = 0; c < count; c++) {
                    if (c < expected) {
                        assertTrue(row[c] >= 0 && row[c] <= current, where);
                        assertTrue(c == 0 || row[c] > row[c - 1], where);
                    } else {
                        assertEquals(-1, row[c], where);
                    }
                }
                for (int j = 0; j <= current; j++) {
                    boolean forced = j < params.initBlocks()
                            || j > current - params.localBlocks();
                    int found = j;
                    if (forced) {
                        assertTrue(Arrays.stream(row).anyMatch(id -> id == found),
                                where + " lacks forced block " + j);
                    }
                }
            }
        }
    }

    /** Full causal (or windowed) attention of the inputs, in float64. */
    private static double[] fullAttention(Inputs in, int window) {
        int[] q = in.q.shape();
        FullAttentionSpec spec = new FullAttentionSpec(q[0], q[1], in.k.shape()[1], q[2],
                window);
        return FullAttentionReference.forward(spec, widen(in.q), widen(in.k), widen(in.v));
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

    /** One set of op inputs, as constants. */
    record Inputs(Variable q, Variable k, Variable v, Variable gates, Variable wk, Variable wv,
            Variable pek, Variable pev) {

        /**
         * Random inputs; {@code gates} fixed for every query and head when given, random in
         * [0, 1) otherwise.
         */
        static Inputs random(Ops ops, long seed, int length, int queryHeads, int kvHeads,
                int dim, NsaParams params, float[] gates) {
            int l = params.blockLen();
            Variable gateValues;
            if (gates == null) {
                gateValues = ops.constant(OpGradientCheck.uniform(ops, seed + 3, 0, 1, length,
                        queryHeads, 3));
            } else {
                float[] all = new float[length * queryHeads * 3];
                for (int i = 0; i < all.length; i++) {
                    all[i] = gates[i % 3];
                }
                gateValues = ops.constant(all, length, queryHeads, 3);
            }
            double weightScale = 1 / Math.sqrt(l * dim);
            return new Inputs(
                    constant(ops, seed, 1, length, queryHeads, dim),
                    constant(ops, seed + 1, 1, length, kvHeads, dim),
                    constant(ops, seed + 2, 1, length, kvHeads, dim),
                    gateValues,
                    constant(ops, seed + 4, weightScale, kvHeads, l * dim, dim),
                    constant(ops, seed + 5, weightScale, kvHeads, l * dim, dim),
                    constant(ops, seed + 6, 0.5, kvHeads, l, dim),
                    constant(ops, seed + 7, 0.5, kvHeads, l, dim));
        }

        static Variable constant(Ops ops, long seed, double scale, int... shape) {
            return ops.constant(OpGradientCheck.uniform(ops, seed, -scale, scale, shape));
        }

        NsaReference.Result run(NsaParams params) {
            return NsaReference.forward(q, k, v, gates, wk, wv, pek, pev, params);
        }

        /** The same inputs with q, k, v and gates replaced after position {@code last}. */
        Inputs perturbAfter(int last, long seed) {
            return new Inputs(perturb(q, last, seed), perturb(k, last, seed + 1),
                    perturb(v, last, seed + 2), perturb(gates, last, seed + 3), wk, wv, pek, pev);
        }

        private static Variable perturb(Variable x, int last, long seed) {
            Ops ops = x.ops();
            float[] values = x.value().toArray();
            int[] shape = x.shape();
            int row = values.length / shape[0];
            float[] noise = OpGradientCheck.uniform(ops, seed, 0, 1, values.length).toArray();
            for (int i = (last + 1) * row; i < values.length; i++) {
                values[i] = noise[i] * 3;
            }
            return ops.constant(values, shape);
        }
    }
}
