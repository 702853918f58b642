package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;
import org.sparsa.testkit.EachBackend;
import org.sparsa.testkit.GoldenCases;
import org.sparsa.testkit.OpGradientCheck;
import org.sparsa.testkit.TestBackends;

/**
 * The fused indexer losses, {@link IndexerLossFunction} over {@link IndexerKernel}, against
 * {@link DsaReference}: values and gradients, the golden cases through both paths on every
 * backend, finite differences on every backend (the OpenCL one runs
 * {@link OpenClIndexerKernel}), and bit-identical results for any number of threads.
 */
class IndexerLossTest {
    private static final double TOLERANCE = 1e-5;

    private final Ops ops = new Autograd(new JavaBackend());

    @ParameterizedTest(name = "T {0}, top_k {1}, Hq {2}, Hkv {3}, HI {4}, dI {5}")
    @CsvSource({"1, 0, 2, 1, 2, 4", "9, 0, 4, 2, 1, 8", "70, 0, 4, 1, 3, 8",
        "150, 0, 2, 2, 2, 4", "9, 4, 2, 1, 2, 4", "70, 7, 4, 2, 3, 8", "150, 80, 2, 1, 2, 4",
        "20, 20, 2, 1, 2, 4"})
    void theFusedLossGivesTheReferenceLossAndGradients(int length, int topK, int heads,
            int kvHeads, int indexHeads, int indexDim) {
        DsaInputs in = DsaInputs.random(ops, 7 * length + topK, length, heads, kvHeads, 8,
                indexHeads, indexDim);
        // Scores spread wider than the inputs' (-1, 1), so the student's softmax is not flat.
        Variable w = ops.constant(ops.tensor(scaled(in.w().value().toArray(), 4),
                in.w().shape()));
        Variable[] reference = leaves(in, w);
        Variable[] fused = leaves(in, w);
        Variable scores = DsaReference.indexScores(reference[0], reference[1], reference[2], 0);
        Variable want;
        Variable got;
        if (topK == 0) {
            want = DsaReference.klDense(in.q(), in.k(), scores, 0);
            got = IndexerLossFunction.dense(in.q(), in.k(), fused[0], fused[1], fused[2]);
        } else {
            int[] selected = DsaReference.select(scores, topK, 0);
            want = DsaReference.klSparse(in.q(), in.k(), scores, selected, topK, 0);
            got = IndexerLossFunction.sparse(in.q(), in.k(), fused[0], fused[1], fused[2],
                    selected, topK);
        }
        assertArrayEquals(new int[] {1}, got.shape());
        assertEquals(want.value().toArray()[0], got.value().toArray()[0], TOLERANCE, "loss");
        ops.scale(want, 3).backward();
        ops.scale(got, 3).backward();
        String[] names = {"qi", "ki", "w"};
        for (int i = 0; i < 3; i++) {
            assertClose(reference[i].grad().orElseThrow().toArray(),
                    fused[i].grad().orElseThrow().toArray(), "gradient of " + names[i]);
        }
    }

    @Test
    void aBatchAveragesOverEverySequencesQueries() {
        int length = 11;
        int topK = 4;
        DsaInputs first = DsaInputs.random(ops, 71, length, 2, 1, 4, 2, 4);
        DsaInputs second = DsaInputs.random(ops, 81, length, 2, 1, 4, 2, 4);
        int[] a = DsaReference.select(first.scores(), topK, 0);
        int[] b = DsaReference.select(second.scores(), topK, 0);
        int[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        Variable[] stacked = new Variable[5];
        Variable[] x = {first.q(), first.k(), first.qi(), first.ki(), first.w()};
        Variable[] y = {second.q(), second.k(), second.qi(), second.ki(), second.w()};
        for (int i = 0; i < 5; i++) {
            stacked[i] = stack(x[i], y[i]);
        }
        float batch = IndexerLossFunction.sparse(stacked[0], stacked[1], stacked[2], stacked[3],
                stacked[4], both, topK).value().toArray()[0];
        float alone = IndexerLossFunction.sparse(x[0], x[1], x[2], x[3], x[4], a, topK).value()
                .toArray()[0];
        float other = IndexerLossFunction.sparse(y[0], y[1], y[2], y[3], y[4], b, topK).value()
                .toArray()[0];
        assertEquals((alone + other) / 2, batch, 1e-6);
    }

    @Test
    void theTeacherGetsNoGradient() {
        DsaInputs in = DsaInputs.random(ops, 90, 10, 2, 1, 4, 2, 4);
        Variable q = ops.leaf(in.q().value());
        Variable k = ops.leaf(in.k().value());
        Variable qi = ops.leaf(in.qi().value());
        IndexerLossFunction.dense(q, k, qi, in.ki(), in.w()).backward();
        assertFalse(q.grad().isPresent() && nonZero(q.grad().get()), "q");
        assertFalse(k.grad().isPresent() && nonZero(k.grad().get()), "k");
        assertTrue(nonZero(qi.grad().orElseThrow()), "qi");
    }

    @Test
    void refusesShapesThatDoNotFit() {
        DsaInputs in = DsaInputs.random(ops, 95, 10, 2, 1, 4, 2, 4);
        assertThrows(IllegalArgumentException.class, () -> IndexerLossFunction.sparse(in.q(),
                in.k(), in.qi(), in.ki(), in.w(), new int[10 * 3], 4));
        assertThrows(IllegalArgumentException.class, () -> IndexerLossFunction.dense(in.q(),
                in.k(), in.qi(), in.w(), in.ki()));
    }

    /** The golden cases through the fused path (the ops' own) and the reference, everywhere. */
    @Test
    void denseGoldenCaseThroughBothPathsOnEveryBackend(@TempDir Path folder) throws Exception {
        Path file = GoldenCases.copyResource(getClass(), "/golden/dsa-small-kl-dense.safetensors",
                folder);
        for (BackendKind backend : TestBackends.kinds()) {
            GoldenCases.assertPasses(file, "dsa.kl_dense", new DsaKlDenseGoldenOp(), backend);
            GoldenCases.assertPasses(file, "dsa.kl_dense",
                    new DsaKlDenseGoldenOp(DsaKlGoldenOp::reference), backend);
        }
    }

    @Test
    void sparseGoldenCaseThroughBothPathsOnEveryBackend(@TempDir Path folder) throws Exception {
        Path file = GoldenCases.copyResource(getClass(),
                "/golden/dsa-small-kl-sparse.safetensors", folder);
        for (BackendKind backend : TestBackends.kinds()) {
            GoldenCases.assertPasses(file, "dsa.kl_sparse", new DsaKlSparseGoldenOp(), backend);
            GoldenCases.assertPasses(file, "dsa.kl_sparse",
                    new DsaKlSparseGoldenOp(DsaKlGoldenOp::reference), backend);
        }
    }

    @EachBackend
    void denseLossMatchesFiniteDifferences(Ops on) {
        Tensor[] in = DsaGradientTest.tieFreeInputs(on);
        OpGradientCheck.of(on, x -> IndexerLossFunction.dense(x.get(0), x.get(1), x.get(2),
                x.get(3), x.get(4))).constant(0, 1).check(in[0], in[1], in[3], in[4], in[5]);
    }

    @EachBackend
    void sparseLossMatchesFiniteDifferences(Ops on) {
        Tensor[] in = DsaGradientTest.tieFreeInputs(on);
        int topK = DsaGradientTest.TOP_K;
        OpGradientCheck.of(on, x -> {
            int[] qi = x.get(2).shape();
            int[] selected = DsaKernel.select(qi[0], 0, qi[1], qi[2], topK,
                    x.get(2).value().toArray(), x.get(3).value().toArray(),
                    x.get(4).value().toArray());
            return IndexerLossFunction.sparse(x.get(0), x.get(1), x.get(2), x.get(3), x.get(4),
                    selected, topK);
        }).constant(0, 1).check(in[0], in[1], in[3], in[4], in[5]);
    }

    @ParameterizedTest(name = "top_k {0}")
    @CsvSource({"0", "9"})
    void theResultsAreBitIdenticalForAnyNumberOfThreads(int topK) throws Exception {
        int length = 3 * IndexerKernel.TILE + 5;
        DsaInputs in = DsaInputs.random(ops, 100 + topK, length, 4, 1, 8, 2, 8);
        int[] selected = topK == 0 ? new int[0] : DsaKernel.select(length, 0, 2, 8, topK,
                in.qi().value().toArray(), in.ki().value().toArray(), in.w().value().toArray());
        IndexerKernel.Sizes sizes = new IndexerKernel.Sizes(length, 4, 1, 8, 2, 8, topK);
        IndexerKernel.Inputs inputs = new IndexerKernel.Inputs(in.q().value().toArray(),
                in.k().value().toArray(), in.qi().value().toArray(), in.ki().value().toArray(),
                scaled(in.w().value().toArray(), 4), selected);
        Supplier<float[][]> run = () -> {
            IndexerKernel.Forward forward = IndexerKernel.forward(sizes, inputs);
            IndexerKernel.Gradients gradients = IndexerKernel.backward(sizes, inputs, forward,
                    0.37f);
            return new float[][] {forward.kl(), forward.teacherLse(), forward.studentLse(),
                gradients.dqi(), gradients.dki(), gradients.dw()};
        };
        float[][] once = inPool(1, run);
        for (int threads : new int[] {1, 2, 3, 8}) {
            float[][] again = inPool(threads, run);
            for (int i = 0; i < once.length; i++) {
                assertArrayEquals(once[i], again[i], threads + " threads, result " + i);
            }
        }
    }

    /** Runs {@code run} on a pool of {@code threads}, whose workers its parallel loops use. */
    private static float[][] inPool(int threads, Supplier<float[][]> run) throws Exception {
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return pool.submit(run::get).get();
        } finally {
            pool.shutdown();
        }
    }

    private Variable[] leaves(DsaInputs in, Variable w) {
        return new Variable[] {ops.leaf(in.qi().value()), ops.leaf(in.ki().value()),
            ops.leaf(w.value())};
    }

    private Variable stack(Variable a, Variable b) {
        int[] shape = a.shape();
        int[] one = new int[shape.length + 1];
        one[0] = 1;
        System.arraycopy(shape, 0, one, 1, shape.length);
        return ops.concat(0, ops.reshape(a, one), ops.reshape(b, one));
    }

    private static float[] scaled(float[] values, float factor) {
        float[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= factor;
        }
        return out;
    }

    private static boolean nonZero(Tensor x) {
        for (float value : x.toArray()) {
            if (value != 0) {
                return true;
            }
        }
        return false;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], TOLERANCE, what + " value " + i);
        }
    }
}
