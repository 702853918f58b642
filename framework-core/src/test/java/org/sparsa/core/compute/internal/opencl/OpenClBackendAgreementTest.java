package org.sparsa.core.compute.internal.opencl;

import static org.sparsa.core.compute.internal.opencl.OpenClTesting.assertClose;
import static org.sparsa.core.compute.internal.opencl.OpenClTesting.assertSameValues;
import static org.sparsa.core.compute.internal.TestArrays.awayFromZero;
import static org.sparsa.core.compute.internal.opencl.OpenClTesting.indices;
import static org.sparsa.core.compute.internal.TestArrays.size;
import static org.sparsa.core.compute.internal.TestArrays.uniform;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.compute.UnaryFunction;
import org.sparsa.core.compute.internal.JavaBackend;

/**
 * Every kernel of the OpenCL backend against the Java backend on seeded random inputs: axes of
 * size 1, sizes that are not multiples of the work-group size (64) or the matmul tile (16),
 * broadcasting, every matmul transpose and shared (stride 0) operands. The backends sum in
 * different precisions and orders, so the tolerance grows with the length of the reduction;
 * FP8, whose kernel does the Java arithmetic in double, must match bit for bit.
 *
 * <p>Skipped without an OpenCL device, except under {@code CI=true}, where a missing device
 * fails. One backend serves the class, so the kernels are built once.
 */
class OpenClBackendAgreementTest {
    private static final Backend JAVA = new JavaBackend();
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

    /** The tolerance (absolute and relative) for results that add {@code n} terms. */
    private static double tolerance(int n) {
        return 1e-5 * (1 + n / 64.0);
    }

    // ------------------------------------------------------------------ matmul

    @ParameterizedTest(name = "batch={0} m={1} n={2} k={3} tA={4} tB={5} sharedA={6} sharedB={7}")
    @CsvSource({
        "1, 1, 1, 1, false, false, false, false",
        "1, 3, 5, 7, false, false, false, false",
        "1, 3, 5, 7, true, false, false, false",
        "1, 3, 5, 7, false, true, false, false",
        "1, 3, 5, 7, true, true, false, false",
        "2, 16, 16, 16, false, false, false, false",
        "2, 17, 33, 9, false, false, false, false",
        "3, 17, 33, 9, true, false, true, false",
        "3, 17, 33, 9, false, true, false, true",
        "3, 17, 33, 9, true, true, true, true",
        "2, 1, 70, 65, false, true, false, false",
        "2, 40, 1, 65, true, false, false, true",
        "1, 37, 29, 100, true, true, false, false",
        "2, 5, 6, 0, false, false, false, false",
    })
    void matmul(int batch, int m, int n, int k, boolean transposeA, boolean transposeB,
            boolean sharedA, boolean sharedB) {
        SplittableRandom random = new SplittableRandom(batch * 1000 + m * 100 + n * 10 + k);
        int aStride = sharedA ? 0 : m * k;
        int bStride = sharedB ? 0 : k * n;
        MatmulShape shape = new MatmulShape(batch, m, n, k, transposeA, transposeB, aStride,
                bStride);
        float[] a = uniform(random, sharedA ? m * k : batch * m * k, 1);
        float[] b = uniform(random, sharedB ? k * n : batch * k * n, 1);
        float[] want = new float[batch * m * n];
        float[] got = new float[want.length];
        // Garbage in the output must be overwritten (k = 0 included).
        Arrays.fill(got, Float.NaN);
        JAVA.matmul(shape, a, b, want);
        opencl.matmul(shape, a, b, got);
        assertClose("c", want, got, tolerance(k), tolerance(k));
    }

    // ------------------------------------------------------------------ element-wise

    @ParameterizedTest(name = "{0} size={1}")
    @CsvSource({
        "EXP, 1", "EXP, 65", "EXP, 1000",
        "LOG, 1", "LOG, 65", "LOG, 1000",
        "RELU, 1", "RELU, 65", "RELU, 1000",
        "SILU, 1", "SILU, 65", "SILU, 1000",
        "SIGMOID, 1", "SIGMOID, 65", "SIGMOID, 1000",
    })
    void map(UnaryFunction f, int size) {
        SplittableRandom random = new SplittableRandom(size * 7L + f.ordinal());
        float[] x = f == UnaryFunction.LOG ? awayFromZero(random, size, 0.01, 20)
                : uniform(random, size, 6);
        if (f == UnaryFunction.LOG) {
            for (int i = 0; i < size; i++) {
                x[i] = Math.abs(x[i]);
            }
        }
        float[] dy = uniform(random, size, 1);
        float[] wantY = new float[size];
        float[] gotY = new float[size];
        JAVA.map(f, x, wantY);
        opencl.map(f, x, gotY);
        assertClose("y", wantY, gotY, 1e-6, 1e-5);
        float[] wantDx = new float[size];
        float[] gotDx = new float[size];
        // Both backwards get the same forward output, so only the backward is compared.
        JAVA.mapBackward(f, x, wantY, dy, wantDx);
        opencl.mapBackward(f, x, wantY, dy, gotDx);
        assertClose("dx", wantDx, gotDx, 1e-6, 1e-5);
    }

    @ParameterizedTest(name = "size={0} gate={1} up={2}")
    @CsvSource({
        "1, true, true", "65, true, true", "1000, true, true",
        "1000, true, false", "1000, false, true", "1000, false, false",
    })
    void swiglu(int size, boolean wantGate, boolean wantUp) {
        SplittableRandom random = new SplittableRandom(size * 11L + (wantGate ? 1 : 0));
        float[] gate = uniform(random, size, 6);
        float[] up = uniform(random, size, 2);
        float[] dy = uniform(random, size, 1);
        float[] wantY = new float[size];
        float[] gotY = new float[size];
        JAVA.swiglu(gate, up, wantY);
        opencl.swiglu(gate, up, gotY);
        assertClose("y", wantY, gotY, 1e-6, 1e-5);
        float[] wantDGate = wantGate ? new float[size] : null;
        float[] gotDGate = wantGate ? new float[size] : null;
        float[] wantDUp = wantUp ? new float[size] : null;
        float[] gotDUp = wantUp ? new float[size] : null;
        JAVA.swigluBackward(gate, up, dy, wantDGate, wantDUp);
        opencl.swigluBackward(gate, up, dy, gotDGate, gotDUp);
        if (wantGate) {
            assertClose("dGate", wantDGate, gotDGate, 1e-6, 1e-5);
        }
        if (wantUp) {
            assertClose("dUp", wantDUp, gotDUp, 1e-6, 1e-5);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource({
        "ADD, 1, 1, 1",
        "ADD, 130, 130, 130",
        "SUB, 3x1x5, 1x4x5, 3x4x5",
        "MUL, 2x3x4, 1x1x1, 2x3x4",
        "DIV, 1x1x1, 2x3x4, 2x3x4",
        "ADD, 5x1, 1x70, 5x70",
        "MUL, 2x1x3x1x2x1x2x1x3, 1x2x3x1x1x2x2x1x3, 2x2x3x1x2x2x2x1x3",
        "DIV, 4x1x6, 4x5x6, 4x5x6",
        "SUB, 1, 1, 1",
    })
    void binary(BinaryFunction f, String aText, String bText, String outText) {
        int[] aShape = shape(aText);
        int[] bShape = shape(bText);
        int[] outShape = shape(outText);
        SplittableRandom random = new SplittableRandom(aText.hashCode() + 31L * f.ordinal());
        float[] a = uniform(random, size(aShape), 3);
        float[] b = f == BinaryFunction.DIV ? awayFromZero(random, size(bShape), 0.1, 3)
                : uniform(random, size(bShape), 3);
        float[] want = new float[size(outShape)];
        float[] got = new float[want.length];
        JAVA.binary(f, a, aShape, b, bShape, want, outShape);
        opencl.binary(f, a, aShape, b, bShape, got, outShape);
        sameUpToDivision(f, "out", want, got);
        if (aText.equals(bText)) {
            // One array as both operands (x * x, x + x).
            JAVA.binary(f, a, aShape, a, aShape, want, outShape);
            opencl.binary(f, a, aShape, a, aShape, got, outShape);
            sameUpToDivision(f, "out of a and a", want, got);
        }
    }

    /**
     * One float operation gives the same value on both backends, except a division: OpenCL
     * lets a device divide within 2.5 ulp unless asked for correct rounding.
     */
    private static void sameUpToDivision(BinaryFunction f, String name, float[] want,
            float[] got) {
        if (f == BinaryFunction.DIV) {
            assertClose(name, want, got, 0, 4e-7);
        } else {
            assertSameValues(name, want, got);
        }
    }

    @Test
    void scaleOfAScalarShape() {
        float[] want = new float[1];
        float[] got = new float[1];
        int[] scalar = {};
        JAVA.binary(BinaryFunction.MUL, new float[] {3f}, scalar, new float[] {-2.5f}, scalar,
                want, scalar);
        opencl.binary(BinaryFunction.MUL, new float[] {3f}, scalar, new float[] {-2.5f},
                scalar, got, scalar);
        assertSameValues("rank 0", want, got);
        SplittableRandom random = new SplittableRandom(5);
        for (int size : new int[] {1, 63, 64, 65, 1000}) {
            float[] x = uniform(random, size, 10);
            want = new float[size];
            got = new float[size];
            JAVA.scale(x, -0.37f, want);
            opencl.scale(x, -0.37f, got);
            assertSameValues("scale " + size, want, got);
        }
    }

    @ParameterizedTest(name = "masked fill {0} with mask {1}")
    @CsvSource({
        "1, 1",
        "3x4x5, 3x1x5",
        "3x4x5, 1x1x1",
        "3x4x5, 3x4x5",
        "2x70, 2x1",
        "1x3x1x65, 1x1x1x65",
    })
    void maskedFill(String shapeText, String maskText) {
        int[] shape = shape(shapeText);
        int[] maskShape = shape(maskText);
        SplittableRandom random = new SplittableRandom(shapeText.hashCode() ^ maskText.hashCode());
        float[] x = uniform(random, size(shape), 2);
        int[] mask = indices(random, size(maskShape), 2);
        float[] want = new float[x.length];
        float[] got = new float[x.length];
        JAVA.maskedFill(x, shape, mask, maskShape, -1e9f, want);
        opencl.maskedFill(x, shape, mask, maskShape, -1e9f, got);
        assertSameValues("y", want, got);
    }

    // ------------------------------------------------------------------ axes

    @ParameterizedTest(name = "[{0}, {1}, {2}]")
    @CsvSource({"1, 1, 1", "3, 7, 5", "2, 130, 1", "1, 5, 70", "4, 1, 3", "2, 0, 3"})
    void sumAndExpandAxis(int outer, int length, int inner) {
        AxisLayout layout = new AxisLayout(outer, length, inner);
        SplittableRandom random = new SplittableRandom(outer * 100 + length * 10 + inner);
        float[] x = uniform(random, layout.size(), 1);
        float[] want = new float[outer * inner];
        float[] got = new float[want.length];
        JAVA.sumAxis(layout, x, want);
        opencl.sumAxis(layout, x, got);
        // Both add j in ascending order in float.
        assertSameValues("sum", want, got);
        float[] small = uniform(random, outer * inner, 1);
        float[] wantExpanded = new float[layout.size()];
        float[] gotExpanded = new float[layout.size()];
        JAVA.expandAxis(layout, small, wantExpanded);
        opencl.expandAxis(layout, small, gotExpanded);
        assertSameValues("expand", wantExpanded, gotExpanded);
    }

    @ParameterizedTest(name = "[{0}, {1}, {2}] log={3}")
    @CsvSource({
        "1, 1, 1, false", "1, 1, 1, true",
        "4, 33, 3, false", "4, 33, 3, true",
        "2, 100, 1, false", "2, 100, 1, true",
        "1, 5, 70, false", "1, 5, 70, true",
        "3, 2, 65, true",
    })
    void softmax(int outer, int length, int inner, boolean log) {
        AxisLayout layout = new AxisLayout(outer, length, inner);
        SplittableRandom random = new SplittableRandom(outer * 100 + length * 10 + inner);
        float[] x = uniform(random, layout.size(), 8);
        float[] dy = uniform(random, layout.size(), 1);
        float[] want = new float[layout.size()];
        float[] got = new float[layout.size()];
        JAVA.softmax(layout, x, want, log);
        opencl.softmax(layout, x, got, log);
        assertClose("y", want, got, tolerance(length), tolerance(length));
        float[] wantDx = new float[layout.size()];
        float[] gotDx = new float[layout.size()];
        JAVA.softmaxBackward(layout, want, dy, wantDx, log);
        opencl.softmaxBackward(layout, want, dy, gotDx, log);
        assertClose("dx", wantDx, gotDx, tolerance(length), tolerance(length));
    }

    // ------------------------------------------------------------------ shape

    @ParameterizedTest(name = "permute {0} by {1}")
    @CsvSource({
        "5, 0",
        "1, 0",
        "2x3x4, 2x0x1",
        "2x3x4, 0x1x2",
        "1x7x1x3, 3x2x1x0",
        "2x3x4x5, 0x2x1x3",
        "65x3, 1x0",
        "2x1x3x1x2x1x2x1x3, 8x7x6x5x4x3x2x1x0",
    })
    void permute(String shapeText, String orderText) {
        int[] shape = shape(shapeText);
        int[] order = shape(orderText);
        float[] x = uniform(new SplittableRandom(shapeText.hashCode()), size(shape), 1);
        float[] want = new float[x.length];
        float[] got = new float[x.length];
        JAVA.permute(x, shape, order, want);
        opencl.permute(x, shape, order, got);
        assertSameValues("y", want, got);
    }

    @ParameterizedTest(name = "[{0}, {1}, {2}] from {3}, {4} positions")
    @CsvSource({"1, 1, 1, 0, 1", "3, 10, 4, 2, 5", "2, 70, 1, 3, 66", "2, 5, 3, 5, 0",
        "1, 9, 65, 0, 9"})
    void sliceAndPlace(int outer, int length, int inner, int start, int count) {
        AxisLayout whole = new AxisLayout(outer, length, inner);
        AxisLayout part = whole.withLength(count);
        SplittableRandom random = new SplittableRandom(outer + length + inner + start + count);
        float[] x = uniform(random, whole.size(), 1);
        float[] want = new float[part.size()];
        float[] got = new float[part.size()];
        JAVA.slice(whole, x, start, count, want);
        opencl.slice(whole, x, start, count, got);
        assertSameValues("slice", want, got);
        float[] source = uniform(random, part.size(), 1);
        float[] wantWhole = x.clone();
        float[] gotWhole = x.clone();
        JAVA.place(part, source, whole, start, wantWhole);
        opencl.place(part, source, whole, start, gotWhole);
        assertSameValues("place", wantWhole, gotWhole);
    }

    // ------------------------------------------------------------------ indexing

    @ParameterizedTest(name = "[{0}, {1}, {2}] with {3} indices")
    @CsvSource({"1, 1, 1, 1", "3, 6, 4, 9", "2, 5, 1, 70", "1, 70, 3, 2", "2, 4, 65, 4",
        "2, 3, 2, 0"})
    void gatherAndScatterAdd(int outer, int length, int inner, int indexLength) {
        AxisLayout from = new AxisLayout(outer, length, inner);
        AxisLayout to = from.withLength(indexLength);
        SplittableRandom random = new SplittableRandom(outer * 1000 + length * 100 + inner * 10
                + indexLength);
        float[] x = uniform(random, from.size(), 1);
        int[] index = indices(random, to.size(), length);
        float[] want = new float[to.size()];
        float[] got = new float[to.size()];
        JAVA.gather(from, x, indexLength, index, want);
        opencl.gather(from, x, indexLength, index, got);
        assertSameValues("gather", want, got);
        // Repeated indices add up in ascending j on both backends: the same float sums.
        float[] source = uniform(random, to.size(), 1);
        float[] wantY = x.clone();
        float[] gotY = x.clone();
        JAVA.scatterAdd(from, wantY, indexLength, index, source);
        opencl.scatterAdd(from, gotY, indexLength, index, source);
        assertSameValues("scatterAdd", wantY, gotY);
    }

    @ParameterizedTest(name = "[{0}, {1}, {2}] with {3} indices")
    @CsvSource({"1, 1, 1, 1", "2, 5, 3, 8", "3, 70, 1, 5", "1, 4, 65, 9", "2, 3, 2, 0"})
    void indexSelectAndAdd(int outer, int length, int inner, int count) {
        AxisLayout from = new AxisLayout(outer, length, inner);
        AxisLayout to = from.withLength(count);
        SplittableRandom random = new SplittableRandom(outer * 1000 + length * 100 + inner * 10
                + count);
        float[] x = uniform(random, from.size(), 1);
        int[] chosen = indices(random, count, length);
        float[] want = new float[to.size()];
        float[] got = new float[to.size()];
        JAVA.indexSelect(from, x, chosen, want);
        opencl.indexSelect(from, x, chosen, got);
        assertSameValues("indexSelect", want, got);
        float[] source = uniform(random, to.size(), 1);
        float[] wantY = x.clone();
        float[] gotY = x.clone();
        JAVA.indexAdd(from, wantY, chosen, source);
        opencl.indexAdd(from, gotY, chosen, source);
        assertSameValues("indexAdd", wantY, gotY);
    }

    // ------------------------------------------------------------------ normalisation

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "7, 65", "33, 16", "2, 300", "130, 3"})
    void rmsNorm(int rows, int columns) {
        SplittableRandom random = new SplittableRandom(rows * 1000 + columns);
        float[] x = uniform(random, rows * columns, 2);
        float[] g = uniform(random, columns, 1.5);
        float[] dy = uniform(random, rows * columns, 1);
        float[] wantY = new float[x.length];
        float[] gotY = new float[x.length];
        float[] wantR = new float[rows];
        float[] gotR = new float[rows];
        JAVA.rmsNorm(rows, columns, x, g, 1e-5f, wantY, wantR);
        opencl.rmsNorm(rows, columns, x, g, 1e-5f, gotY, gotR);
        double tolerance = tolerance(columns);
        assertClose("inverseRms", wantR, gotR, tolerance, tolerance);
        assertClose("y", wantY, gotY, tolerance, tolerance);
        float[] wantDx = new float[x.length];
        float[] gotDx = new float[x.length];
        float[] wantDg = new float[columns];
        float[] gotDg = new float[columns];
        JAVA.rmsNormBackward(rows, columns, x, g, wantR, dy, wantDx, wantDg);
        opencl.rmsNormBackward(rows, columns, x, g, wantR, dy, gotDx, gotDg);
        assertClose("dx", wantDx, gotDx, tolerance, tolerance);
        assertClose("dg", wantDg, gotDg, tolerance(rows), tolerance(rows));
    }

    @ParameterizedTest(name = "{0} x {1} bias={2}")
    @CsvSource({"1, 1, true", "1, 2, false", "7, 65, true", "7, 65, false", "33, 16, true",
        "2, 300, true", "130, 3, false"})
    void layerNorm(int rows, int columns, boolean bias) {
        SplittableRandom random = new SplittableRandom(rows * 1000 + columns);
        float[] x = uniform(random, rows * columns, 2);
        for (int i = 0; i < x.length; i++) {
            x[i] += 3f;
        }
        float[] g = uniform(random, columns, 1.5);
        float[] b = bias ? uniform(random, columns, 1) : null;
        float[] dy = uniform(random, rows * columns, 1);
        float[] wantY = new float[x.length];
        float[] gotY = new float[x.length];
        float[] wantMean = new float[rows];
        float[] gotMean = new float[rows];
        float[] wantR = new float[rows];
        float[] gotR = new float[rows];
        JAVA.layerNorm(rows, columns, x, g, b, 1e-5f, wantY, wantMean, wantR);
        opencl.layerNorm(rows, columns, x, g, b, 1e-5f, gotY, gotMean, gotR);
        // Columns of 1 have no variance, so their inverse deviation is 1/sqrt(eps): large.
        double tolerance = tolerance(columns);
        assertClose("mean", wantMean, gotMean, tolerance, tolerance);
        assertClose("inverseStd", wantR, gotR, tolerance, tolerance);
        assertClose("y", wantY, gotY, tolerance, tolerance);
        float[] wantDx = new float[x.length];
        float[] gotDx = new float[x.length];
        float[] wantDg = new float[columns];
        float[] gotDg = new float[columns];
        float[] wantDb = bias ? new float[columns] : null;
        float[] gotDb = bias ? new float[columns] : null;
        JAVA.layerNormBackward(rows, columns, x, g, wantMean, wantR, dy, wantDx, wantDg,
                wantDb);
        opencl.layerNormBackward(rows, columns, x, g, wantMean, wantR, dy, gotDx, gotDg,
                gotDb);
        assertClose("dx", wantDx, gotDx, tolerance, tolerance);
        assertClose("dg", wantDg, gotDg, tolerance(rows), tolerance(rows));
        if (bias) {
            assertClose("db", wantDb, gotDb, tolerance(rows), tolerance(rows));
        }
    }

    // ------------------------------------------------------------------ position, loss, quant

    @ParameterizedTest(name = "[{0}, {1}, {2}, {3}] rotary={4} inverse={5}")
    @CsvSource({
        "1, 1, 1, 2, 2, false",
        "2, 5, 3, 8, 8, false",
        "2, 5, 3, 8, 8, true",
        "1, 7, 2, 12, 4, false",
        "3, 4, 1, 6, 0, true",
        "1, 65, 1, 16, 16, true",
    })
    void rope(int outer, int time, int inner, int dim, int rotary, boolean inverse) {
        SplittableRandom random = new SplittableRandom(outer * 1000 + time * 100 + dim);
        float[] x = uniform(random, outer * time * inner * dim, 1);
        int[] positions = indices(random, time, 200);
        float[] want = new float[x.length];
        float[] got = new float[x.length];
        JAVA.rope(outer, time, inner, dim, x, positions, rotary, 10000.0, inverse, want);
        opencl.rope(outer, time, inner, dim, x, positions, rotary, 10000.0, inverse, got);
        // The same float tables and products; only a fused multiply-add may differ.
        assertClose("y", want, got, 1e-6, 1e-6);
    }

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "9, 50", "3, 130", "70, 5"})
    void crossEntropy(int rows, int vocab) {
        SplittableRandom random = new SplittableRandom(rows * 1000 + vocab);
        float[] logits = uniform(random, rows * vocab, 6);
        int[] targets = indices(random, rows, vocab);
        for (int r = 1; r < rows; r += 3) {
            targets[r] = -100;
        }
        float[] wantLoss = new float[rows];
        float[] gotLoss = new float[rows];
        float[] wantLse = new float[rows];
        float[] gotLse = new float[rows];
        JAVA.crossEntropy(rows, vocab, logits, targets, -100, wantLoss, wantLse);
        opencl.crossEntropy(rows, vocab, logits, targets, -100, gotLoss, gotLse);
        double tolerance = tolerance(vocab);
        assertClose("loss", wantLoss, gotLoss, tolerance, tolerance);
        assertClose("logsumexp", wantLse, gotLse, tolerance, tolerance);
        float[] want = new float[logits.length];
        float[] got = new float[logits.length];
        JAVA.crossEntropyBackward(rows, vocab, logits, targets, -100, wantLse, 0.25f, want);
        opencl.crossEntropyBackward(rows, vocab, logits, targets, -100, wantLse, 0.25f, got);
        assertClose("dlogits", want, got, 1e-6, 1e-5);
    }

    @ParameterizedTest(name = "{0} x {1} group={2} powerOfTwo={3}")
    @CsvSource({
        "1, 1, 1, false",
        "5, 64, 16, false",
        "5, 64, 16, true",
        "3, 130, 65, false",
        "3, 130, 130, true",
        "4, 12, 1, true",
    })
    void fp8E4m3(int rows, int columns, int group, boolean powerOfTwo) {
        SplittableRandom random = new SplittableRandom(rows * 1000 + columns + group);
        float[] x = new float[rows * columns];
        for (int i = 0; i < x.length; i++) {
            // Magnitudes over many octaves, so subnormal, normal and clamped codes all occur.
            x[i] = (float) ((random.nextDouble() * 2 - 1) * Math.pow(10, random.nextInt(9) - 5));
        }
        if (columns >= 16) {
            x[0] = 0f;
            x[1] = -0f;
            x[2] = 1e-30f;
        }
        float[] wantY = new float[x.length];
        float[] gotY = new float[x.length];
        float[] wantScales = new float[rows * (columns / group)];
        float[] gotScales = new float[wantScales.length];
        JAVA.fp8E4m3(rows, columns, group, powerOfTwo, x, wantY, wantScales);
        opencl.fp8E4m3(rows, columns, group, powerOfTwo, x, gotY, gotScales);
        assertSameValues("scales", wantScales, gotScales);
        assertSameValues("y", wantY, gotY);
    }

    @Test
    void fp8E4m3GivesTheJavaResultForZeroRowsInfinityAndNaN() {
        float[] x = {0f, 0f, 0f, 0f, -0f, 0f, 1f, 1e-9f,
            Float.POSITIVE_INFINITY, 1f, 2f, 3f, Float.NaN, 1f, -1f, 4f,
            448f, -448f, 464f, 1e38f};
        for (boolean powerOfTwo : new boolean[] {false, true}) {
            float[] wantY = new float[x.length];
            float[] gotY = new float[x.length];
            float[] wantScales = new float[5];
            float[] gotScales = new float[5];
            JAVA.fp8E4m3(5, 4, 4, powerOfTwo, x, wantY, wantScales);
            opencl.fp8E4m3(5, 4, 4, powerOfTwo, x, gotY, gotScales);
            assertSameValues("scales, powerOfTwo " + powerOfTwo, wantScales, gotScales);
            assertSameValues("y, powerOfTwo " + powerOfTwo, wantY, gotY);
        }
    }

    /** {@code "2x3x4"} as {@code {2, 3, 4}}; {@code "1"} as {@code {1}}. */
    private static int[] shape(String text) {
        String[] parts = text.split("x");
        int[] shape = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            shape[i] = Integer.parseInt(parts[i].trim());
        }
        return shape;
    }
}
