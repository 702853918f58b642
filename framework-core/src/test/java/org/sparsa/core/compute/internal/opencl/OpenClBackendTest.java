package org.sparsa.core.compute.internal.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsa.core.compute.internal.opencl.OpenClTesting.assertSameBits;
import static org.sparsa.core.compute.internal.opencl.OpenClTesting.indices;
import static org.sparsa.core.compute.internal.TestArrays.uniform;

import com.aparapi.Kernel;
import com.aparapi.internal.kernel.KernelManager;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.compute.UnaryFunction;
import org.sparsa.core.compute.opencl.Launcher;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * The OpenCL backend's own promises: bit-identical repeated calls, the same bits however a
 * range is split into launches, nothing launched for empty inputs, checked lengths, refusal
 * to fall back to Java, and a closed backend staying closed. Skipped without an OpenCL device,
 * except under {@code CI=true}.
 */
class OpenClBackendTest {
    private static OpenClBackend opencl;

    @BeforeAll
    static void openTheDevice() {
        OpenClTesting.requireDevice();
        opencl = OpenClBackend.open();
    }

    @AfterAll
    static void closeTheDevice() {
        if (opencl != null) {
            opencl.close();
        }
    }

    @Test
    void describesItself() {
        assertEquals(BackendKind.OPENCL, opencl.kind());
        assertTrue(opencl.description().startsWith("opencl, "), opencl.description());
    }

    @Test
    void repeatedCallsGiveIdenticalBits() {
        for (Function<Backend, float[][]> work : workloads()) {
            float[][] first = work.apply(opencl);
            float[][] second = work.apply(opencl);
            for (int i = 0; i < first.length; i++) {
                assertSameBits("output " + i, first[i], second[i]);
            }
        }
    }

    @Test
    void launchesSplitIntoPiecesGiveTheSameBits() {
        // 256 work items per launch: every op below takes several launches (and the matmul
        // several blocks of rows, columns and batch entries).
        try (OpenClBackend pieces = OpenClBackend.open(256)) {
            for (Function<Backend, float[][]> work : workloads()) {
                float[][] whole = work.apply(opencl);
                float[][] split = work.apply(pieces);
                for (int i = 0; i < whole.length; i++) {
                    assertSameBits("output " + i, whole[i], split[i]);
                }
            }
        }
    }

    /** Ops with reductions and scatters on inputs large enough for several work groups. */
    private static List<Function<Backend, float[][]>> workloads() {
        SplittableRandom random = new SplittableRandom(2024);
        int rows = 67;
        int columns = 45;
        float[] a = uniform(random, 3 * 40 * 70, 1);
        float[] b = uniform(random, 3 * 70 * 35, 1);
        float[] x = uniform(random, rows * columns, 3);
        float[] dy = uniform(random, rows * columns, 1);
        float[] g = uniform(random, columns, 1);
        float[] bias = uniform(random, columns, 1);
        int[] index = indices(random, rows * columns, 11);
        int[] targets = indices(random, rows, columns);
        int[] outShape = {rows, 3, columns};
        float[] wide = uniform(random, rows * 3 * columns, 1);
        return List.of(
            backend -> {
                float[] c = new float[3 * 40 * 35];
                backend.matmul(new MatmulShape(3, 40, 35, 70, false, true, 40 * 70, 0), a, b,
                        c);
                float[] d = new float[3 * 40 * 35];
                backend.matmul(new MatmulShape(3, 40, 35, 70, true, false, 0, 70 * 35), a, b,
                        d);
                return new float[][] {c, d};
            },
            backend -> {
                AxisLayout layout = new AxisLayout(rows, columns, 1);
                float[] y = new float[x.length];
                float[] dx = new float[x.length];
                backend.softmax(layout, x, y, false);
                backend.softmaxBackward(layout, y, dy, dx, false);
                float[] sums = new float[columns];
                backend.sumAxis(new AxisLayout(1, rows, columns), x, sums);
                return new float[][] {y, dx, sums};
            },
            backend -> {
                float[] y = new float[x.length];
                float[] r = new float[rows];
                float[] dx = new float[x.length];
                float[] dg = new float[columns];
                backend.rmsNorm(rows, columns, x, g, 1e-6f, y, r);
                backend.rmsNormBackward(rows, columns, x, g, r, dy, dx, dg);
                float[] ly = new float[x.length];
                float[] mean = new float[rows];
                float[] inverseStd = new float[rows];
                float[] ldx = new float[x.length];
                float[] ldg = new float[columns];
                float[] ldb = new float[columns];
                backend.layerNorm(rows, columns, x, g, bias, 1e-6f, ly, mean, inverseStd);
                backend.layerNormBackward(rows, columns, x, g, mean, inverseStd, dy, ldx, ldg,
                        ldb);
                return new float[][] {y, r, dx, dg, ly, mean, inverseStd, ldx, ldg, ldb};
            },
            backend -> {
                // Scatter-add into 11 positions from 67: many repeats per target.
                AxisLayout into = new AxisLayout(1, 11, columns);
                float[] y = new float[11 * columns];
                backend.scatterAdd(into, y, rows, index, x);
                float[] z = new float[11 * columns];
                int[] picked = new int[rows];
                for (int i = 0; i < rows; i++) {
                    picked[i] = targets[i] % 11;
                }
                backend.indexAdd(into, z, picked, x);
                float[] gathered = new float[rows * columns];
                backend.gather(into, y, rows, index, gathered);
                return new float[][] {y, z, gathered};
            },
            backend -> {
                float[] loss = new float[rows];
                float[] lse = new float[rows];
                float[] dlogits = new float[x.length];
                backend.crossEntropy(rows, columns, x, targets, -1, loss, lse);
                backend.crossEntropyBackward(rows, columns, x, targets, -1, lse, 0.5f,
                        dlogits);
                float[] out = new float[wide.length];
                backend.binary(BinaryFunction.MUL, wide, outShape, g, new int[] {1, 1, columns},
                        out, outShape);
                float[] permuted = new float[wide.length];
                backend.permute(wide, outShape, new int[] {2, 0, 1}, permuted);
                float[] mapped = new float[x.length];
                backend.map(UnaryFunction.SILU, x, mapped);
                float[] roped = new float[wide.length];
                backend.rope(1, rows, 3, columns, wide, targets, 44, 500.0, false, roped);
                float[] quantised = new float[x.length];
                float[] scales = new float[rows * 3];
                backend.fp8E4m3(rows, columns, 15, false, x, quantised, scales);
                return new float[][] {loss, lse, dlogits, out, permuted, mapped, roped,
                    quantised, scales};
            });
    }

    @Test
    void emptyInputsLaunchNothingAndKZeroGivesZeros() {
        float[] none = new float[0];
        opencl.map(UnaryFunction.EXP, none, none);
        opencl.scale(none, 2f, none);
        opencl.matmul(new MatmulShape(0, 3, 3, 3, false, false, 9, 9), none, none, none);
        opencl.matmul(MatmulShape.of(0, 4, 2), none, new float[8], none);
        opencl.softmax(new AxisLayout(2, 0, 3), none, none, true);
        opencl.gather(new AxisLayout(2, 3, 1), new float[6], 0, new int[0], none);
        opencl.crossEntropy(0, 5, none, new int[0], -1, none, none);
        float[] c = {7f, 7f, 7f, 7f, 7f, 7f};
        opencl.matmul(new MatmulShape(1, 2, 3, 0, false, false, 0, 0), none, none, c);
        assertArrayEquals(new float[6], c);
        float[] y = {5f, 5f};
        opencl.scatterAdd(new AxisLayout(1, 2, 1), y, 0, new int[0], none);
        assertArrayEquals(new float[] {5f, 5f}, y);
        float[] dg = {9f, 9f};
        opencl.rmsNormBackward(0, 2, none, new float[2], none, none, none, dg);
        assertArrayEquals(new float[2], dg);
    }

    @Test
    void wrongLengthsAreRejectedBeforeAnyLaunch() {
        assertThrows(IllegalArgumentException.class,
                () -> opencl.map(UnaryFunction.EXP, new float[3], new float[2]));
        assertThrows(IllegalArgumentException.class,
                () -> opencl.matmul(MatmulShape.of(2, 2, 2), new float[3], new float[4],
                        new float[4]));
        assertThrows(IllegalArgumentException.class,
                () -> opencl.binary(BinaryFunction.ADD, new float[6], new int[] {2, 3},
                        new float[2], new int[] {2, 1}, new float[6], new int[] {3, 2}));
        assertThrows(IllegalArgumentException.class,
                () -> opencl.fp8E4m3(2, 6, 4, false, new float[12], new float[12],
                        new float[3]));
        assertThrows(IllegalArgumentException.class,
                () -> opencl.slice(new AxisLayout(1, 4, 1), new float[4], 3, 2, new float[2]));
    }

    @Test
    void anOutputThatIsAlsoAnInputIsComputedNotLeftAsItWas() {
        float[] x = {1f, -2f, 3f};
        opencl.scale(x, 2f, x);
        assertArrayEquals(new float[] {2f, -4f, 6f}, x);
    }

    @Test
    void aKernelOpenClCannotTakeIsRefusedNotRunInJava() {
        Launcher launcher = new Launcher(Launcher.firstDevice().orElseThrow(), 64, 1 << 20);
        IllegalStateException build = assertThrows(IllegalStateException.class,
                () -> launcher.build(new ObjectKernel()));
        assertTrue(build.getMessage().contains("ObjectKernel"), build::getMessage);

        // Launched without the eager build, Aparapi itself falls back to its Java thread pool.
        ObjectKernel kernel = new ObjectKernel();
        try {
            kernel.setExplicit(true);
            KernelManager.instance().setPreferredDevices(kernel,
                    new LinkedHashSet<>(List.of(launcher.device())));
            IllegalStateException run = assertThrows(IllegalStateException.class,
                    () -> launcher.run(kernel, 64));
            assertTrue(run.getMessage().contains("fell back"), run::getMessage);
            // The Java fallback did run: the refusal is what keeps its result out.
            assertEquals(1f, kernel.out[0]);
        } finally {
            kernel.dispose();
        }
    }

    @Test
    void aClosedBackendRefusesCalls() {
        OpenClBackend closed = OpenClBackend.open();
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class,
                () -> closed.scale(new float[1], 1f, new float[1]));
    }

    /** Reads an object field in run(), which Aparapi cannot translate to OpenCL. */
    static final class ObjectKernel extends Kernel implements RangeKernel {
        final float[] out = new float[64];
        private final StringBuilder text = new StringBuilder("x");

        @Override
        public void offset(int first) {
        }

        @Override
        public void run() {
            out[getGlobalId()] = text.length();
        }
    }
}
