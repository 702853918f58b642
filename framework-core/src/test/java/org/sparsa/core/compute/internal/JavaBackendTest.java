package org.sparsa.core.compute.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sparsa.core.compute.internal.TestArrays.assertClose;
import static org.sparsa.core.compute.internal.TestArrays.awayFromZero;
import static org.sparsa.core.compute.internal.TestArrays.size;
import static org.sparsa.core.compute.internal.TestArrays.uniform;
import static org.sparsa.core.compute.internal.TestArrays.widen;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.compute.UnaryFunction;
import org.sparsa.core.quant.Fp8E4m3;

/**
 * Every kernel of the Java backend against a plain float64 computation of its contract on seeded
 * random inputs; gradients are checked against central differences of a float64 forward.
 */
class JavaBackendTest {
    private static final double TIGHT = 1e-5;
    private static final JavaBackend BACKEND = new JavaBackend();

    @AfterAll
    static void closeBackend() {
        BACKEND.close();
    }

    @Test
    void describesItself() {
        assertEquals(BackendKind.JAVA, BACKEND.kind());
        assertEquals("java, " + Runtime.getRuntime().availableProcessors() + " thread"
                + (Runtime.getRuntime().availableProcessors() == 1 ? "" : "s"),
                BACKEND.description());
    }

    // ------------------------------------------------------------------ matmul

    @ParameterizedTest(name = "batch={0} m={1} n={2} k={3} tA={4} tB={5} sharedA={6} sharedB={7}")
    @CsvSource({
        "1, 1, 1, 1, false, false, false, false",
        "1, 3, 5, 7, false, false, false, false",
        "1, 3, 5, 7, true, false, false, false",
        "1, 3, 5, 7, false, true, false, false",
        "1, 3, 5, 7, true, true, false, false",
        "2, 17, 33, 9, false, false, false, false",
        "3, 17, 33, 9, true, false, true, false",
        "3, 17, 33, 9, false, true, false, true",
        "3, 17, 33, 9, true, true, true, true",
        "2, 1, 70, 65, false, true, false, false",
        "2, 70, 1, 65, true, false, false, true",
        "1, 130, 97, 300, false, false, false, false",
        "1, 130, 97, 300, true, true, false, false",
        "4, 40, 24, 50, false, false, true, false",
        "2, 0, 5, 3, false, false, false, false",
        "2, 5, 0, 3, true, true, false, false",
        "2, 4, 5, 0, false, false, false, false",
        "0, 4, 5, 6, false, false, false, false",
    })
    void matmulAgreesWithTheReference(int batch, int m, int n, int k, boolean transposeA,
            boolean transposeB, boolean sharedA, boolean sharedB) {
        SplittableRandom random = new SplittableRandom(batch * 1000003L + m * 1009L + n * 31L + k);
        // Padding between batch entries checks that strides, not sizes, place the matrices.
        int aStride = sharedA ? 0 : m * k + 3;
        int bStride = sharedB ? 0 : k * n + 5;
        float[] a = uniform(random, Math.max(1, batch) * (m * k + 3), 1);
        float[] b = uniform(random, Math.max(1, batch) * (k * n + 5), 1);
        MatmulShape shape = new MatmulShape(batch, m, n, k, transposeA, transposeB, aStride,
                bStride);
        float[] c = new float[batch * m * n];
        Arrays.fill(c, Float.NaN);
        BACKEND.matmul(shape, a, b, c);
        assertClose("c", matmul(shape, a, b), c, 2e-6 * k + 1e-6, TIGHT);
    }

    @Test
    void matmulOfTheConvenienceShape() {
        SplittableRandom random = new SplittableRandom(5);
        float[] a = uniform(random, 6 * 4, 1);
        float[] b = uniform(random, 4 * 5, 1);
        float[] c = new float[6 * 5];
        MatmulShape shape = MatmulShape.of(6, 5, 4);
        BACKEND.matmul(shape, a, b, c);
        assertClose("c", matmul(shape, a, b), c, 1e-6, TIGHT);
    }

    /** {@code c[i] = op(a[i]) op(b[i])} in double, straight from the definition. */
    static double[] matmul(MatmulShape s, float[] a, float[] b) {
        int m = s.m();
        int n = s.n();
        int k = s.k();
        double[] c = new double[s.batch() * m * n];
        for (int t = 0; t < s.batch(); t++) {
            int ao = t * s.aBatchStride();
            int bo = t * s.bBatchStride();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        double x = s.transposeA() ? a[ao + p * m + i] : a[ao + i * k + p];
                        double y = s.transposeB() ? b[bo + j * k + p] : b[bo + p * n + j];
                        sum += x * y;
                    }
                    c[(t * m + i) * n + j] = sum;
                }
            }
        }
        return c;
    }

    // ------------------------------------------------------------------ element-wise

    @ParameterizedTest
    @EnumSource(UnaryFunction.class)
    void mapAndItsBackward(UnaryFunction f) {
        for (int size : new int[] {0, 1, 7, 100_003}) {
            SplittableRandom random = new SplittableRandom(size + f.ordinal());
            float[] x = f == UnaryFunction.LOG ? awayFromZero(random, size, 0.05, 5)
                    : uniform(random, size, 6);
            if (f == UnaryFunction.LOG) {
                for (int i = 0; i < size; i++) {
                    x[i] = Math.abs(x[i]);
                }
            }
            float[] dy = uniform(random, size, 1);
            float[] y = new float[size];
            float[] dx = new float[size];
            BACKEND.map(f, x, y);
            BACKEND.mapBackward(f, x, y, dy, dx);
            double[] wantY = new double[size];
            double[] wantDx = new double[size];
            for (int i = 0; i < size; i++) {
                double v = x[i];
                double step = 1e-6 * Math.max(1, Math.abs(v));
                wantY[i] = unary(f, v);
                wantDx[i] = dy[i] * (unary(f, v + step) - unary(f, v - step)) / (2 * step);
                if (f == UnaryFunction.RELU) {
                    wantDx[i] = v > 0 ? dy[i] : 0;
                }
            }
            assertClose(f + " y", wantY, y, 1e-7, TIGHT);
            assertClose(f + " dx", wantDx, dx, 1e-5, 1e-4);
        }
    }

    @Test
    void logOfNonPositiveFollowsMathLog() {
        float[] x = {0f, -1f, Float.NaN};
        float[] y = new float[3];
        BACKEND.map(UnaryFunction.LOG, x, y);
        assertEquals(Float.NEGATIVE_INFINITY, y[0]);
        assertEquals(Float.NaN, y[1]);
        assertEquals(Float.NaN, y[2]);
    }

    private static double unary(UnaryFunction f, double x) {
        return switch (f) {
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case RELU -> Math.max(x, 0);
            case SILU -> x / (1 + Math.exp(-x));
            case SIGMOID -> 1 / (1 + Math.exp(-x));
        };
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = ';', value = {
        "ADD; 3,5; 3,5; 3,5",
        "SUB; 4,7; 1,7; 4,7",
        "MUL; 4,7; 4,1; 4,7",
        "DIV; 1,7; 4,7; 4,7",
        "ADD; 2,1,5; 1,3,1; 2,3,5",
        "SUB; 1,1; 3,4; 3,4",
        "MUL; 3,4; 1,1; 3,4",
        "DIV; 2,3,1,4; 2,1,5,4; 2,3,5,4",
        "ADD; 1,3,1; 1,3,1; 1,3,1",
        "MUL; 2,0,3; 1,1,3; 2,0,3",
        "ADD; 512,300; 1,300; 512,300",
        "DIV; 300,512; 300,1; 300,512",
        "SUB; 1,1,20000; 3,2,20000; 3,2,20000",
        "MUL; 7,1,9,1; 1,5,1,3; 7,5,9,3",
    })
    void binaryBroadcasts(BinaryFunction f, String aText, String bText, String outText) {
        int[] aShape = shape(aText);
        int[] bShape = shape(bText);
        int[] outShape = shape(outText);
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(outShape) + f.ordinal());
        float[] a = uniform(random, size(aShape), 3);
        float[] b = awayFromZero(random, size(bShape), 0.25, 3);
        float[] out = new float[size(outShape)];
        BACKEND.binary(f, a, aShape, b, bShape, out, outShape);
        double[] want = new double[out.length];
        int[] index = new int[outShape.length];
        for (int flat = 0; flat < out.length; flat++) {
            int rest = flat;
            for (int d = outShape.length - 1; d >= 0; d--) {
                index[d] = rest % outShape[d];
                rest /= outShape[d];
            }
            double x = a[broadcastIndex(index, aShape)];
            double y = b[broadcastIndex(index, bShape)];
            want[flat] = switch (f) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
            };
        }
        assertClose(f.toString(), want, out, 1e-7, 1e-6);
    }

    @Test
    void binaryOfScalars() {
        float[] out = new float[1];
        BACKEND.binary(BinaryFunction.DIV, new float[] {3}, new int[0], new float[] {2},
                new int[0], out, new int[0]);
        assertEquals(1.5f, out[0]);
    }

    @Test
    void binaryRejectsShapesThatDoNotBroadcast() {
        assertThrows(IllegalArgumentException.class, () -> BACKEND.binary(BinaryFunction.ADD,
                new float[6], new int[] {2, 3}, new float[4], new int[] {2, 2}, new float[6],
                new int[] {2, 3}));
    }

    private static int broadcastIndex(int[] index, int[] shape) {
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d]);
        }
        return flat;
    }

    private static int[] shape(String text) {
        return Arrays.stream(text.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }

    @Test
    void scaleMultiplies() {
        SplittableRandom random = new SplittableRandom(3);
        float[] x = uniform(random, 70_001, 5);
        float[] y = new float[x.length];
        BACKEND.scale(x, -0.37f, y);
        double[] want = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            want[i] = x[i] * (double) -0.37f;
        }
        assertClose("y", want, y, 0, 1e-7);
    }

    @ParameterizedTest(name = "mask {1}")
    @CsvSource(delimiter = ';', value = {
        "3,4; 3,4", "3,4; 1,4", "3,4; 3,1", "2,3,5; 1,3,1", "2,3,5; 1,1,1", "64,700; 1,700",
    })
    void maskedFillBroadcastsItsMask(String shapeText, String maskText) {
        int[] shape = shape(shapeText);
        int[] maskShape = shape(maskText);
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(maskShape));
        float[] x = uniform(random, size(shape), 1);
        int[] mask = new int[size(maskShape)];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = random.nextInt(3) == 0 ? random.nextInt(1, 5) : 0;
        }
        if (mask.length == 1) {
            mask[0] = 1;
        }
        float[] y = new float[x.length];
        BACKEND.maskedFill(x, shape, mask, maskShape, -1e9f, y);
        double[] want = new double[x.length];
        int[] index = new int[shape.length];
        for (int flat = 0; flat < x.length; flat++) {
            int rest = flat;
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            want[flat] = mask[broadcastIndex(index, maskShape)] != 0 ? -1e9f : x[flat];
        }
        assertClose("y", want, y, 0, 0);
    }

    // ------------------------------------------------------------------ axes

    /** Layouts {@code [outer, length, inner]}, odd and even, small and past the grain. */
    private static final int[][] LAYOUTS = {
        {1, 1, 1}, {1, 5, 1}, {3, 4, 7}, {2, 1, 3}, {4, 0, 3}, {1, 1000, 1}, {3, 50, 200},
        {500, 70, 1}, {2, 33, 1025}, {0, 3, 2},
    };

    @Test
    void sumAxisAndExpandAxis() {
        for (int[] l : LAYOUTS) {
            AxisLayout layout = new AxisLayout(l[0], l[1], l[2]);
            SplittableRandom random = new SplittableRandom(Arrays.hashCode(l));
            float[] x = uniform(random, layout.size(), 1);
            float[] y = new float[l[0] * l[2]];
            Arrays.fill(y, Float.NaN);
            BACKEND.sumAxis(layout, x, y);
            double[] want = new double[y.length];
            for (int o = 0; o < l[0]; o++) {
                for (int i = 0; i < l[2]; i++) {
                    for (int j = 0; j < l[1]; j++) {
                        want[o * l[2] + i] += x[(o * l[1] + j) * l[2] + i];
                    }
                }
            }
            assertClose("sum " + Arrays.toString(l), want, y, 1e-6 * l[1] + 1e-7, TIGHT);

            float[] expanded = new float[layout.size()];
            BACKEND.expandAxis(layout, y, expanded);
            double[] wantExpanded = new double[expanded.length];
            for (int o = 0; o < l[0]; o++) {
                for (int j = 0; j < l[1]; j++) {
                    for (int i = 0; i < l[2]; i++) {
                        wantExpanded[(o * l[1] + j) * l[2] + i] = y[o * l[2] + i];
                    }
                }
            }
            assertClose("expand " + Arrays.toString(l), wantExpanded, expanded, 0, 0);
        }
    }

    @Test
    void softmaxAndLogSoftmaxWithTheirBackwards() {
        for (boolean log : new boolean[] {false, true}) {
            for (int[] l : LAYOUTS) {
                AxisLayout layout = new AxisLayout(l[0], l[1], l[2]);
                SplittableRandom random = new SplittableRandom(Arrays.hashCode(l) + (log ? 1 : 0));
                // Large logits check that the maximum is subtracted before exponentiating.
                float[] x = uniform(random, layout.size(), 8);
                for (int i = 0; i < x.length; i += 7) {
                    x[i] += 100;
                }
                float[] dy = uniform(random, layout.size(), 1);
                float[] y = new float[x.length];
                float[] dx = new float[x.length];
                BACKEND.softmax(layout, x, y, log);
                BACKEND.softmaxBackward(layout, y, dy, dx, log);
                double[] wantY = softmax(layout, widen(x), log);
                String name = (log ? "log-softmax " : "softmax ") + Arrays.toString(l);
                assertClose(name + " y", wantY, y, log ? 1e-5 : 1e-7, TIGHT);
                if (x.length <= 2000) {
                    double[] wantDx = gradient(widen(x),
                            v -> dot(softmax(layout, v, log), dy));
                    assertClose(name + " dx", wantDx, dx, 1e-5, 1e-4);
                }
            }
        }
    }

    private static double[] softmax(AxisLayout l, double[] x, boolean log) {
        double[] y = new double[x.length];
        for (int o = 0; o < l.outer(); o++) {
            for (int i = 0; i < l.inner(); i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < l.length(); j++) {
                    max = Math.max(max, x[(o * l.length() + j) * l.inner() + i]);
                }
                double sum = 0;
                for (int j = 0; j < l.length(); j++) {
                    sum += Math.exp(x[(o * l.length() + j) * l.inner() + i] - max);
                }
                for (int j = 0; j < l.length(); j++) {
                    int at = (o * l.length() + j) * l.inner() + i;
                    y[at] = log ? x[at] - max - Math.log(sum) : Math.exp(x[at] - max) / sum;
                }
            }
        }
        return y;
    }

    @Test
    void permuteReordersAxes() {
        int[][][] cases = {
            {{2, 3, 4}, {0, 1, 2}}, {{2, 3, 4}, {0, 2, 1}}, {{2, 3, 4}, {1, 0, 2}},
            {{2, 3, 4}, {1, 2, 0}}, {{2, 3, 4}, {2, 0, 1}}, {{2, 3, 4}, {2, 1, 0}},
            {{1, 5, 1, 3}, {3, 2, 1, 0}}, {{64, 300}, {1, 0}}, {{2, 70, 4, 33}, {0, 2, 1, 3}},
            {{3, 0, 2}, {2, 1, 0}}, {{7}, {0}}, {{}, {}},
        };
        for (int[][] c : cases) {
            int[] shape = c[0];
            int[] order = c[1];
            SplittableRandom random = new SplittableRandom(Arrays.hashCode(shape));
            float[] x = uniform(random, size(shape), 1);
            float[] y = new float[x.length];
            BACKEND.permute(x, shape, order, y);
            int rank = shape.length;
            int[] yShape = new int[rank];
            for (int d = 0; d < rank; d++) {
                yShape[d] = shape[order[d]];
            }
            double[] want = new double[x.length];
            int[] yIndex = new int[rank];
            int[] xIndex = new int[rank];
            for (int flat = 0; flat < y.length; flat++) {
                int rest = flat;
                for (int d = rank - 1; d >= 0; d--) {
                    yIndex[d] = rest % yShape[d];
                    rest /= yShape[d];
                }
                for (int d = 0; d < rank; d++) {
                    xIndex[order[d]] = yIndex[d];
                }
                want[flat] = x[broadcastIndex(xIndex, shape)];
            }
            assertClose("permute " + Arrays.toString(shape) + " by " + Arrays.toString(order),
                    want, y, 0, 0);
        }
    }

    @Test
    void sliceAndPlace() {
        for (int[] l : new int[][] {{1, 5, 1}, {3, 8, 7}, {2, 10, 1}, {40, 64, 64}}) {
            AxisLayout from = new AxisLayout(l[0], l[1], l[2]);
            SplittableRandom random = new SplittableRandom(Arrays.hashCode(l));
            float[] x = uniform(random, from.size(), 1);
            int start = l[1] / 3;
            int count = l[1] - start - 1;
            float[] part = new float[from.withLength(count).size()];
            BACKEND.slice(from, x, start, count, part);
            double[] want = new double[part.length];
            for (int o = 0; o < l[0]; o++) {
                for (int j = 0; j < count; j++) {
                    for (int i = 0; i < l[2]; i++) {
                        want[(o * count + j) * l[2] + i] = x[(o * l[1] + start + j) * l[2] + i];
                    }
                }
            }
            assertClose("slice", want, part, 0, 0);

            float[] y = uniform(random, from.size(), 1);
            double[] wantPlaced = widen(y);
            BACKEND.place(from.withLength(count), part, from, start, y);
            for (int o = 0; o < l[0]; o++) {
                for (int j = 0; j < count; j++) {
                    for (int i = 0; i < l[2]; i++) {
                        wantPlaced[(o * l[1] + start + j) * l[2] + i] =
                                part[(o * count + j) * l[2] + i];
                    }
                }
            }
            assertClose("place", wantPlaced, y, 0, 0);
        }
    }

    @Test
    void gatherAndScatterAdd() {
        for (int[] l : new int[][] {{1, 5, 1}, {3, 8, 7}, {2, 10, 1}, {30, 50, 40}}) {
            AxisLayout from = new AxisLayout(l[0], l[1], l[2]);
            int indexLength = l[1] + 3;
            AxisLayout picked = from.withLength(indexLength);
            SplittableRandom random = new SplittableRandom(Arrays.hashCode(l));
            float[] x = uniform(random, from.size(), 1);
            int[] index = new int[picked.size()];
            for (int i = 0; i < index.length; i++) {
                index[i] = random.nextInt(l[1]);
            }
            float[] y = new float[picked.size()];
            BACKEND.gather(from, x, indexLength, index, y);
            double[] want = new double[y.length];
            for (int o = 0; o < l[0]; o++) {
                for (int j = 0; j < indexLength; j++) {
                    for (int i = 0; i < l[2]; i++) {
                        int at = (o * indexLength + j) * l[2] + i;
                        want[at] = x[(o * l[1] + index[at]) * l[2] + i];
                    }
                }
            }
            assertClose("gather", want, y, 0, 0);

            float[] source = uniform(random, picked.size(), 1);
            float[] target = uniform(random, from.size(), 1);
            double[] wantTarget = widen(target);
            for (int o = 0; o < l[0]; o++) {
                for (int j = 0; j < indexLength; j++) {
                    for (int i = 0; i < l[2]; i++) {
                        int at = (o * indexLength + j) * l[2] + i;
                        wantTarget[(o * l[1] + index[at]) * l[2] + i] += source[at];
                    }
                }
            }
            BACKEND.scatterAdd(from, target, indexLength, index, source);
            assertClose("scatterAdd", wantTarget, target, 1e-6, TIGHT);
        }
    }

    @Test
    void indexSelectAndIndexAdd() {
        for (int[] l : new int[][] {{1, 5, 1}, {3, 8, 7}, {2, 10, 1}, {20, 50, 100}}) {
            AxisLayout from = new AxisLayout(l[0], l[1], l[2]);
            SplittableRandom random = new SplittableRandom(Arrays.hashCode(l));
            int[] indices = new int[l[1] + 4];
            for (int j = 0; j < indices.length; j++) {
                indices[j] = random.nextInt(l[1]);
            }
            AxisLayout picked = from.withLength(indices.length);
            float[] x = uniform(random, from.size(), 1);
            float[] y = new float[picked.size()];
            BACKEND.indexSelect(from, x, indices, y);
            double[] want = new double[y.length];
            for (int o = 0; o < l[0]; o++) {
                for (int j = 0; j < indices.length; j++) {
                    for (int i = 0; i < l[2]; i++) {
                        want[(o * indices.length + j) * l[2] + i] =
                                x[(o * l[1] + indices[j]) * l[2] + i];
                    }
                }
            }
            assertClose("indexSelect", want, y, 0, 0);

            float[] source = uniform(random, picked.size(), 1);
            float[] target = uniform(random, from.size(), 1);
            double[] wantTarget = widen(target);
            for (int o = 0; o < l[0]; o++) {
                for (int j = 0; j < indices.length; j++) {
                    for (int i = 0; i < l[2]; i++) {
                        wantTarget[(o * l[1] + indices[j]) * l[2] + i] +=
                                source[(o * indices.length + j) * l[2] + i];
                    }
                }
            }
            BACKEND.indexAdd(from, target, indices, source);
            assertClose("indexAdd", wantTarget, target, 1e-6, TIGHT);
        }
    }

    // ------------------------------------------------------------------ normalisation

    @ParameterizedTest(name = "rows={0} columns={1}")
    @CsvSource({"1, 1", "3, 7", "5, 64", "2, 130", "300, 96"})
    void rmsNormAndItsBackward(int rows, int columns) {
        SplittableRandom random = new SplittableRandom(rows * 131L + columns);
        float[] x = uniform(random, rows * columns, 2);
        float[] g = uniform(random, columns, 1.5);
        float[] dy = uniform(random, rows * columns, 1);
        float eps = 1e-5f;
        float[] y = new float[x.length];
        float[] inv = new float[rows];
        BACKEND.rmsNorm(rows, columns, x, g, eps, y, inv);
        double[] wantInv = new double[rows];
        for (int r = 0; r < rows; r++) {
            double squares = 0;
            for (int c = 0; c < columns; c++) {
                squares += (double) x[r * columns + c] * x[r * columns + c];
            }
            wantInv[r] = 1 / Math.sqrt(squares / columns + eps);
        }
        assertClose("inverseRms", wantInv, inv, 0, TIGHT);
        assertClose("y", rmsNorm(rows, columns, widen(x), widen(g), eps), y, 1e-6, TIGHT);

        float[] dx = new float[x.length];
        float[] dg = new float[columns];
        BACKEND.rmsNormBackward(rows, columns, x, g, inv, dy, dx, dg);
        if (x.length <= 2000) {
            double[] gs = widen(g);
            double[] xs = widen(x);
            assertClose("dx", gradient(xs, v -> dot(rmsNorm(rows, columns, v, gs, eps), dy)),
                    dx, 1e-4, 1e-4);
            assertClose("dg", gradient(gs, v -> dot(rmsNorm(rows, columns, xs, v, eps), dy)),
                    dg, 1e-4, 1e-4);
        } else {
            double[] want = new double[columns];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    want[c] += (double) dy[r * columns + c] * x[r * columns + c] * wantInv[r];
                }
            }
            assertClose("dg", want, dg, 1e-5, TIGHT);
        }
    }

    private static double[] rmsNorm(int rows, int columns, double[] x, double[] g, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double squares = 0;
            for (int c = 0; c < columns; c++) {
                squares += x[r * columns + c] * x[r * columns + c];
            }
            double inv = 1 / Math.sqrt(squares / columns + eps);
            for (int c = 0; c < columns; c++) {
                y[r * columns + c] = x[r * columns + c] * inv * g[c];
            }
        }
        return y;
    }

    @ParameterizedTest(name = "rows={0} columns={1} bias={2}")
    @CsvSource({"1, 1, true", "3, 7, true", "5, 64, false", "2, 130, true", "300, 96, true"})
    void layerNormAndItsBackward(int rows, int columns, boolean bias) {
        SplittableRandom random = new SplittableRandom(rows * 71L + columns);
        float[] x = uniform(random, rows * columns, 2);
        for (int i = 0; i < x.length; i++) {
            x[i] += 3;
        }
        float[] g = uniform(random, columns, 1.5);
        float[] b = bias ? uniform(random, columns, 1) : null;
        float[] dy = uniform(random, rows * columns, 1);
        float eps = 1e-5f;
        float[] y = new float[x.length];
        float[] mean = new float[rows];
        float[] inv = new float[rows];
        BACKEND.layerNorm(rows, columns, x, g, b, eps, y, mean, inv);
        double[] bs = b == null ? null : widen(b);
        double[] xs = widen(x);
        double[] gs = widen(g);
        assertClose("y", layerNorm(rows, columns, xs, gs, bs, eps), y, 1e-5, TIGHT);

        float[] dx = new float[x.length];
        float[] dg = new float[columns];
        float[] db = bias ? new float[columns] : null;
        BACKEND.layerNormBackward(rows, columns, x, g, mean, inv, dy, dx, dg, db);
        if (x.length <= 2000) {
            if (columns > 1) {
                // With one column the output does not depend on x; the derivative is 0.
                assertClose("dx", gradient(xs, v -> dot(layerNorm(rows, columns, v, gs, bs, eps),
                        dy)), dx, 1e-3, 1e-3);
            }
            assertClose("dg", gradient(gs, v -> dot(layerNorm(rows, columns, xs, v, bs, eps),
                    dy)), dg, 1e-4, 1e-4);
            if (bias) {
                assertClose("db", gradient(bs, v -> dot(layerNorm(rows, columns, xs, gs, v, eps),
                        dy)), db, 1e-4, 1e-4);
            }
        } else {
            double[] wantDb = new double[columns];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    wantDb[c] += dy[r * columns + c];
                }
            }
            assertClose("db", wantDb, db, 1e-5, TIGHT);
        }
    }

    private static double[] layerNorm(int rows, int columns, double[] x, double[] g, double[] b,
            double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int c = 0; c < columns; c++) {
                mean += x[r * columns + c] / columns;
            }
            double variance = 0;
            for (int c = 0; c < columns; c++) {
                variance += Math.pow(x[r * columns + c] - mean, 2) / columns;
            }
            double inv = 1 / Math.sqrt(variance + eps);
            for (int c = 0; c < columns; c++) {
                y[r * columns + c] = (x[r * columns + c] - mean) * inv * g[c]
                        + (b == null ? 0 : b[c]);
            }
        }
        return y;
    }

    // ------------------------------------------------------------------ rope, loss, fp8

    @ParameterizedTest(name = "outer={0} time={1} inner={2} dim={3} rotary={4}")
    @CsvSource({"1, 1, 1, 2, 2", "2, 5, 3, 8, 8", "1, 7, 2, 10, 6", "2, 40, 4, 64, 32",
        "1, 300, 8, 64, 64"})
    void ropeTurnsPairsAndItsInverseTurnsBack(int outer, int time, int inner, int dim,
            int rotary) {
        SplittableRandom random = new SplittableRandom(outer * 7919L + time * 31 + dim);
        float[] x = uniform(random, outer * time * inner * dim, 2);
        int[] positions = new int[time];
        for (int t = 0; t < time; t++) {
            positions[t] = random.nextInt(5000);
        }
        double theta = 10000;
        for (boolean inverse : new boolean[] {false, true}) {
            float[] y = new float[x.length];
            BACKEND.rope(outer, time, inner, dim, x, positions, rotary, theta, inverse, y);
            double[] want = new double[x.length];
            int half = rotary / 2;
            for (int o = 0; o < outer; o++) {
                for (int t = 0; t < time; t++) {
                    for (int h = 0; h < inner; h++) {
                        int base = ((o * time + t) * inner + h) * dim;
                        for (int i = 0; i < dim; i++) {
                            want[base + i] = x[base + i];
                        }
                        for (int i = 0; i < half; i++) {
                            double angle = positions[t] * Math.pow(theta, -2.0 * i / rotary)
                                    * (inverse ? -1 : 1);
                            double a = x[base + i];
                            double b = x[base + i + half];
                            want[base + i] = a * Math.cos(angle) - b * Math.sin(angle);
                            want[base + i + half] = a * Math.sin(angle) + b * Math.cos(angle);
                        }
                    }
                }
            }
            assertClose("rope inverse=" + inverse, want, y, 2e-6, TIGHT);
        }
        float[] turned = new float[x.length];
        float[] back = new float[x.length];
        BACKEND.rope(outer, time, inner, dim, x, positions, rotary, theta, false, turned);
        BACKEND.rope(outer, time, inner, dim, turned, positions, rotary, theta, true, back);
        assertClose("round trip", widen(x), back, 2e-6, TIGHT);
    }

    @ParameterizedTest(name = "rows={0} vocab={1}")
    @CsvSource({"1, 1", "4, 7", "9, 50", "64, 1000"})
    void crossEntropyAndItsBackward(int rows, int vocab) {
        SplittableRandom random = new SplittableRandom(rows * 17L + vocab);
        float[] logits = uniform(random, rows * vocab, 6);
        for (int i = 0; i < logits.length; i += 5) {
            logits[i] += 80;
        }
        int ignore = -100;
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = r % 3 == 2 ? ignore : random.nextInt(vocab);
        }
        float[] loss = new float[rows];
        float[] lse = new float[rows];
        Arrays.fill(loss, Float.NaN);
        BACKEND.crossEntropy(rows, vocab, logits, targets, ignore, loss, lse);
        double[] wantLoss = crossEntropy(rows, vocab, widen(logits), targets, ignore);
        double[] wantLse = new double[rows];
        for (int r = 0; r < rows; r++) {
            wantLse[r] = logSumExp(widen(logits), r * vocab, vocab);
        }
        assertClose("logsumexp", wantLse, lse, 1e-5, 1e-6);
        assertClose("loss", wantLoss, loss, 1e-5, 1e-5);

        float rowGrad = 0.75f;
        float[] dlogits = new float[logits.length];
        Arrays.fill(dlogits, Float.NaN);
        BACKEND.crossEntropyBackward(rows, vocab, logits, targets, ignore, lse, rowGrad,
                dlogits);
        double[] want;
        if (logits.length <= 2000) {
            want = gradient(widen(logits), v -> rowGrad
                    * Arrays.stream(crossEntropy(rows, vocab, v, targets, ignore)).sum());
        } else {
            want = new double[logits.length];
            for (int r = 0; r < rows; r++) {
                for (int v = 0; targets[r] != ignore && v < vocab; v++) {
                    double p = Math.exp(logits[r * vocab + v] - wantLse[r]);
                    want[r * vocab + v] = rowGrad * (p - (v == targets[r] ? 1 : 0));
                }
            }
        }
        assertClose("dlogits", want, dlogits, 1e-4, 1e-4);
    }

    private static double[] crossEntropy(int rows, int vocab, double[] logits, int[] targets,
            int ignore) {
        double[] loss = new double[rows];
        for (int r = 0; r < rows; r++) {
            if (targets[r] != ignore) {
                loss[r] = logSumExp(logits, r * vocab, vocab) - logits[r * vocab + targets[r]];
            }
        }
        return loss;
    }

    private static double logSumExp(double[] x, int from, int count) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < from + count; i++) {
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        for (int i = from; i < from + count; i++) {
            sum += Math.exp(x[i] - max);
        }
        return max + Math.log(sum);
    }

    @ParameterizedTest(name = "rows={0} columns={1} group={2} powerOfTwo={3}")
    @CsvSource({"1, 8, 8, false", "3, 16, 4, true", "300, 256, 128, false",
        "1000, 128, 64, true"})
    void fp8MatchesTheScalarQuantiser(int rows, int columns, int group, boolean powerOfTwo) {
        SplittableRandom random = new SplittableRandom(rows + columns + group);
        float[] x = uniform(random, rows * columns, 20);
        float[] y = new float[x.length];
        float[] scales = new float[rows * columns / group];
        BACKEND.fp8E4m3(rows, columns, group, powerOfTwo, x, y, scales);
        float[] wantY = new float[x.length];
        float[] wantScales = new float[scales.length];
        Fp8E4m3.quantizeDequantize(x, rows, columns, group, powerOfTwo, wantY, wantScales);
        TestArrays.assertSameBits("y", wantY, y);
        TestArrays.assertSameBits("scales", wantScales, scales);
    }

    @Test
    void fp8RejectsAGroupThatDoesNotDivideTheRow() {
        assertThrows(IllegalArgumentException.class, () -> BACKEND.fp8E4m3(1000, 100, 64, false,
                new float[100_000], new float[100_000], new float[2000]));
    }

    // ------------------------------------------------------------------ helpers

    private static double dot(double[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** Central differences of {@code f} at {@code x}. */
    private static double[] gradient(double[] x, ToDoubleFunction<double[]> f) {
        double[] grad = new double[x.length];
        double[] probe = x.clone();
        for (int i = 0; i < x.length; i++) {
            double step = 1e-6 * Math.max(1, Math.abs(x[i]));
            probe[i] = x[i] + step;
            double up = f.applyAsDouble(probe);
            probe[i] = x[i] - step;
            double down = f.applyAsDouble(probe);
            probe[i] = x[i];
            grad[i] = (up - down) / (2 * step);
        }
        return grad;
    }
}
