package org.sparsa.core.compute.internal;

import static org.sparsa.core.compute.internal.TestArrays.assertSameBits;
import static org.sparsa.core.compute.internal.TestArrays.uniform;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.compute.UnaryFunction;

/**
 * The same inputs give the same bits: twice in a row, and on one thread or several. Sizes are
 * past the parallel grain so that the work really is split.
 */
class JavaBackendDeterminismTest {
    private static ForkJoinPool one;
    private static ForkJoinPool many;

    @BeforeAll
    static void startPools() {
        one = new ForkJoinPool(1);
        many = new ForkJoinPool(5);
    }

    @AfterAll
    static void stopPools() {
        one.shutdownNow();
        many.shutdownNow();
    }

    @Test
    void resultsDoNotDependOnTheRunOrTheThreadCount() {
        List<float[]> first = runAll(new JavaBackend(many));
        List<float[]> again = runAll(new JavaBackend(many));
        List<float[]> single = runAll(new JavaBackend(one));
        List<float[]> shared = runAll(new JavaBackend());
        for (int i = 0; i < first.size(); i++) {
            assertSameBits("output " + i + " run twice", first.get(i), again.get(i));
            assertSameBits("output " + i + " on 1 vs 5 threads", single.get(i), first.get(i));
            assertSameBits("output " + i + " on the shared pool", single.get(i), shared.get(i));
        }
    }

    /** Every kernel once on fixed inputs; returns all outputs in order. */
    private static List<float[]> runAll(Backend backend) {
        SplittableRandom random = new SplittableRandom(2024);
        List<float[]> out = new ArrayList<>();
        int rows = 300;
        int columns = 257;
        int size = rows * columns;
        float[] x = uniform(random, size, 3);
        float[] dy = uniform(random, size, 1);
        float[] g = uniform(random, columns, 1);
        float[] bias = uniform(random, columns, 1);

        float[] a = uniform(random, 3 * 200 * 173, 1);
        float[] b = uniform(random, 173 * 190, 1);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] c = new float[3 * 200 * 190];
                backend.matmul(new MatmulShape(3, 200, 190, 173, ta, tb, 200 * 173, 0), a, b, c);
                out.add(c);
            }
        }
        for (UnaryFunction f : UnaryFunction.values()) {
            float[] y = new float[size];
            float[] dx = new float[size];
            backend.map(f, x, y);
            backend.mapBackward(f, x, y, dy, dx);
            out.add(y);
            out.add(dx);
        }
        for (BinaryFunction f : BinaryFunction.values()) {
            float[] y = new float[size];
            backend.binary(f, x, new int[] {rows, columns}, g, new int[] {1, columns}, y,
                    new int[] {rows, columns});
            out.add(y);
        }
        AxisLayout[] layouts = {new AxisLayout(1, rows, columns), new AxisLayout(rows, columns, 1),
            new AxisLayout(10, 30, columns)};
        for (AxisLayout layout : layouts) {
            float[] sum = new float[layout.outer() * layout.inner()];
            backend.sumAxis(layout, x, sum);
            out.add(sum);
            for (boolean log : new boolean[] {false, true}) {
                float[] y = new float[size];
                float[] dx = new float[size];
                backend.softmax(layout, x, y, log);
                backend.softmaxBackward(layout, y, dy, dx, log);
                out.add(y);
                out.add(dx);
            }
            int[] index = new int[size];
            for (int i = 0; i < size; i++) {
                index[i] = random.nextInt(layout.length());
            }
            float[] target = x.clone();
            backend.scatterAdd(layout, target, layout.length(), index, dy);
            out.add(target);
            int[] indices = new int[layout.length()];
            for (int j = 0; j < indices.length; j++) {
                indices[j] = random.nextInt(Math.max(1, layout.length() / 4));
            }
            float[] added = x.clone();
            backend.indexAdd(layout, added, indices, dy);
            out.add(added);
        }
        float[] inv = new float[rows];
        float[] y = new float[size];
        backend.rmsNorm(rows, columns, x, g, 1e-6f, y, inv);
        out.add(y);
        out.add(inv);
        float[] dx = new float[size];
        float[] dg = new float[columns];
        backend.rmsNormBackward(rows, columns, x, g, inv, dy, dx, dg);
        out.add(dx);
        out.add(dg);
        float[] mean = new float[rows];
        float[] ly = new float[size];
        backend.layerNorm(rows, columns, x, g, bias, 1e-6f, ly, mean, inv);
        out.add(ly);
        float[] ldx = new float[size];
        float[] ldg = new float[columns];
        float[] ldb = new float[columns];
        backend.layerNormBackward(rows, columns, x, g, mean, inv, dy, ldx, ldg, ldb);
        out.add(ldx);
        out.add(ldg);
        out.add(ldb);
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = r % 5 == 0 ? -1 : random.nextInt(columns);
        }
        float[] loss = new float[rows];
        float[] lse = new float[rows];
        backend.crossEntropy(rows, columns, x, targets, -1, loss, lse);
        float[] dlogits = new float[size];
        backend.crossEntropyBackward(rows, columns, x, targets, -1, lse, 0.5f, dlogits);
        out.add(loss);
        out.add(lse);
        out.add(dlogits);
        float[] rope = new float[4 * 100 * 8 * 64];
        int[] positions = new int[100];
        for (int t = 0; t < 100; t++) {
            positions[t] = t * 3;
        }
        backend.rope(4, 100, 8, 64, uniform(random, rope.length, 1), positions, 64, 1e4, false,
                rope);
        out.add(rope);
        return out;
    }
}
