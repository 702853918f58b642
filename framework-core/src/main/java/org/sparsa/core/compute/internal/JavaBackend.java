package org.sparsa.core.compute.internal;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.compute.UnaryFunction;
import org.sparsa.core.quant.Fp8E4m3;

/**
 * The {@code java} backend: loops over float arrays on a fork-join pool with one thread per
 * core.
 *
 * <p>Work is split only over independent outputs (rows, columns, blocks of elements), and each
 * output is computed the same way whichever thread runs it, so results are bit-identical for
 * any number of threads. Reductions add in ascending order along the reduced axis; column
 * reductions ({@code dg}, {@code db}) sum rows in ascending order per column.
 *
 * <p>Precision: element-wise results, {@code sumAxis}, {@code scatterAdd} and {@code indexAdd}
 * are float; matrix products add their float products in ascending {@code k} (see
 * {@link Gemm}). Row statistics collect many terms and are summed in double: softmax and
 * cross-entropy round each exponential to float and sum those in double; RMSNorm and LayerNorm
 * compute their means, variances and the dot products of their backwards in double, and the
 * column sums of the norm backwards are double too. Transcendentals go through {@link Math} in
 * double and are rounded to float once.
 */
public final class JavaBackend implements Backend {
    /** One worker per core, shared by every instance; its threads are daemons. */
    private static final ForkJoinPool SHARED_POOL =
            new ForkJoinPool(Runtime.getRuntime().availableProcessors());

    /** Elements per parallel item of the element-wise loops. */
    private static final int BLOCK = 1 << 13;

    private final Parallel parallel;
    private final Gemm gemm;

    /** A backend on the shared pool of one thread per core. */
    public JavaBackend() {
        this(SHARED_POOL);
    }

    /** A backend on {@code pool} (tests compare pools of different sizes). */
    JavaBackend(ForkJoinPool pool) {
        this.parallel = new Parallel(pool);
        this.gemm = new Gemm(parallel);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.JAVA;
    }

    @Override
    public String description() {
        int threads = parallel.threads();
        return "java, " + threads + (threads == 1 ? " thread" : " threads");
    }

    @Override
    public void matmul(MatmulShape shape, float[] a, float[] b, float[] c) {
        gemm.multiply(shape, a, b, c);
    }

    // ---------------------------------------------------------------- element-wise

    @Override
    public void map(UnaryFunction f, float[] x, float[] y) {
        int size = x.length;
        blocks(size, 8, (from, to) -> {
            switch (f) {
                case EXP -> {
                    for (int i = from; i < to; i++) {
                        y[i] = (float) Math.exp(x[i]);
                    }
                }
                case LOG -> {
                    for (int i = from; i < to; i++) {
                        y[i] = (float) Math.log(x[i]);
                    }
                }
                case RELU -> {
                    for (int i = from; i < to; i++) {
                        y[i] = Math.max(x[i], 0f);
                    }
                }
                case SILU -> {
                    for (int i = from; i < to; i++) {
                        y[i] = (float) (x[i] * sigmoid(x[i]));
                    }
                }
                case SIGMOID -> {
                    for (int i = from; i < to; i++) {
                        y[i] = (float) sigmoid(x[i]);
                    }
                }
                default -> throw new IllegalArgumentException("map: " + f);
            }
        });
    }

    @Override
    public void mapBackward(UnaryFunction f, float[] x, float[] y, float[] dy, float[] dx) {
        int size = dy.length;
        blocks(size, 8, (from, to) -> {
            switch (f) {
                case EXP -> {
                    for (int i = from; i < to; i++) {
                        dx[i] = dy[i] * y[i];
                    }
                }
                case LOG -> {
                    for (int i = from; i < to; i++) {
                        dx[i] = dy[i] / x[i];
                    }
                }
                case RELU -> {
                    for (int i = from; i < to; i++) {
                        dx[i] = x[i] > 0 ? dy[i] : 0f;
                    }
                }
                case SILU -> {
                    for (int i = from; i < to; i++) {
                        double s = sigmoid(x[i]);
                        dx[i] = (float) (dy[i] * s * (1 + x[i] * (1 - s)));
                    }
                }
                case SIGMOID -> {
                    for (int i = from; i < to; i++) {
                        dx[i] = dy[i] * y[i] * (1 - y[i]);
                    }
                }
                default -> throw new IllegalArgumentException("mapBackward: " + f);
            }
        });
    }

    @Override
    public void swiglu(float[] gate, float[] up, float[] y) {
        blocks(gate.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                float silu = (float) (gate[i] * sigmoid(gate[i]));
                y[i] = silu * up[i];
            }
        });
    }

    @Override
    public void swigluBackward(float[] gate, float[] up, float[] dy, float[] dGate,
            float[] dUp) {
        blocks(gate.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                double s = sigmoid(gate[i]);
                if (dUp != null) {
                    dUp[i] = dy[i] * (float) (gate[i] * s);
                }
                if (dGate != null) {
                    float dSilu = dy[i] * up[i];
                    dGate[i] = (float) (dSilu * s * (1 + gate[i] * (1 - s)));
                }
            }
        });
    }

    private static double sigmoid(float x) {
        return 1.0 / (1.0 + Math.exp(-(double) x));
    }

    @Override
    public void binary(BinaryFunction f, float[] a, int[] aShape, float[] b, int[] bShape,
            float[] out, int[] outShape) {
        Broadcast plan = new Broadcast(outShape, aShape, bShape);
        int inner = plan.inner();
        int rows = plan.rows();
        int last = plan.dims.length - 1;
        int as = plan.aStrides[last];
        int bs = plan.bStrides[last];
        int chunks = (inner + BLOCK - 1) / BLOCK;
        parallel.forRange(rows * chunks, Math.min(inner, BLOCK), (from, to) -> {
            for (int item = from; item < to; item++) {
                int row = item / chunks;
                int j0 = (item % chunks) * BLOCK;
                int len = Math.min(inner, j0 + BLOCK) - j0;
                int ao = plan.aOffset(row) + j0 * as;
                int bo = plan.bOffset(row) + j0 * bs;
                binaryRun(f, a, ao, as, b, bo, bs, out, row * inner + j0, len);
            }
        });
    }

    /** {@code out[oo + j] = f(a[ao + j as], b[bo + j bs])} for strides 0 or 1. */
    private static void binaryRun(BinaryFunction f, float[] a, int ao, int as, float[] b, int bo,
            int bs, float[] out, int oo, int len) {
        if (as == 1 && bs == 1) {
            switch (f) {
                case ADD -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = a[ao + j] + b[bo + j];
                    }
                }
                case SUB -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = a[ao + j] - b[bo + j];
                    }
                }
                case MUL -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = a[ao + j] * b[bo + j];
                    }
                }
                case DIV -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = a[ao + j] / b[bo + j];
                    }
                }
                default -> throw new IllegalArgumentException("binary: " + f);
            }
        } else if (as == 1) {
            float s = b[bo];
            switch (f) {
                case ADD -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = a[ao + j] + s;
                    }
                }
                case SUB -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = a[ao + j] - s;
                    }
                }
                case MUL -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = a[ao + j] * s;
                    }
                }
                case DIV -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = a[ao + j] / s;
                    }
                }
                default -> throw new IllegalArgumentException("binary: " + f);
            }
        } else if (bs == 1) {
            float s = a[ao];
            switch (f) {
                case ADD -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = s + b[bo + j];
                    }
                }
                case SUB -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = s - b[bo + j];
                    }
                }
                case MUL -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = s * b[bo + j];
                    }
                }
                case DIV -> {
                    for (int j = 0; j < len; j++) {
                        out[oo + j] = s / b[bo + j];
                    }
                }
                default -> throw new IllegalArgumentException("binary: " + f);
            }
        } else {
            Arrays.fill(out, oo, oo + len, apply(f, a[ao], b[bo]));
        }
    }

    private static float apply(BinaryFunction f, float a, float b) {
        return switch (f) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    @Override
    public void scale(float[] x, float factor, float[] y) {
        blocks(x.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                y[i] = x[i] * factor;
            }
        });
    }

    @Override
    public void maskedFill(float[] x, int[] shape, int[] mask, int[] maskShape, float value,
            float[] y) {
        Broadcast plan = new Broadcast(shape, shape, maskShape);
        int inner = plan.inner();
        int rows = plan.rows();
        int ms = plan.bStrides[plan.dims.length - 1];
        int chunks = (inner + BLOCK - 1) / BLOCK;
        parallel.forRange(rows * chunks, Math.min(inner, BLOCK), (from, to) -> {
            for (int item = from; item < to; item++) {
                int row = item / chunks;
                int j0 = (item % chunks) * BLOCK;
                int len = Math.min(inner, j0 + BLOCK) - j0;
                int xo = row * inner + j0;
                int mo = plan.bOffset(row) + j0 * ms;
                if (ms == 0) {
                    if (mask[mo] != 0) {
                        Arrays.fill(y, xo, xo + len, value);
                    } else {
                        System.arraycopy(x, xo, y, xo, len);
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        y[xo + j] = mask[mo + j] != 0 ? value : x[xo + j];
                    }
                }
            }
        });
    }

    /** Runs {@code body} over blocks of {@code [0, size)}, each element costing {@code cost}. */
    private void blocks(int size, int cost, Parallel.Range body) {
        int chunks = (size + BLOCK - 1) / BLOCK;
        parallel.forRange(chunks, (long) BLOCK * cost, (from, to) ->
                body.run(from * BLOCK, (int) Math.min(size, (long) to * BLOCK)));
    }

    // ---------------------------------------------------------------- axes

    /**
     * Runs {@code body(o, i0, i1)} over {@code [outer] x [inner]} in column blocks, for loops
     * that treat each {@code (o, i)} independently along the axis.
     */
    private void columns(AxisLayout layout, long costPerColumn, ColumnBlock body) {
        int outer = layout.outer();
        int inner = layout.inner();
        if (outer == 0 || inner == 0) {
            return;
        }
        int width = (int) Math.max(1, Math.min(inner, BLOCK / Math.max(1, costPerColumn)));
        width = Math.max(width, Math.min(inner, 16));
        int chunks = (inner + width - 1) / width;
        int w = width;
        parallel.forRange(outer * chunks, costPerColumn * w, (from, to) -> {
            for (int item = from; item < to; item++) {
                int o = item / chunks;
                int i0 = (item % chunks) * w;
                body.run(o, i0, Math.min(inner, i0 + w));
            }
        });
    }

    @FunctionalInterface
    private interface ColumnBlock {
        void run(int o, int i0, int i1);
    }

    @Override
    public void sumAxis(AxisLayout layout, float[] x, float[] y) {
        int length = layout.length();
        int inner = layout.inner();
        columns(layout, Math.max(1, length), (o, i0, i1) -> {
            int out = o * inner;
            if (inner == 1) {
                float sum = 0f;
                int base = o * length;
                for (int j = 0; j < length; j++) {
                    sum += x[base + j];
                }
                y[o] = sum;
                return;
            }
            Arrays.fill(y, out + i0, out + i1, 0f);
            for (int j = 0; j < length; j++) {
                int base = (o * length + j) * inner;
                for (int i = i0; i < i1; i++) {
                    y[out + i] += x[base + i];
                }
            }
        });
    }

    @Override
    public void expandAxis(AxisLayout layout, float[] x, float[] y) {
        int length = layout.length();
        int inner = layout.inner();
        columns(layout, Math.max(1, length), (o, i0, i1) -> {
            for (int j = 0; j < length; j++) {
                System.arraycopy(x, o * inner + i0, y, (o * length + j) * inner + i0, i1 - i0);
            }
        });
    }

    @Override
    public void softmax(AxisLayout layout, float[] x, float[] y, boolean log) {
        int length = layout.length();
        int inner = layout.inner();
        if (length == 0) {
            return;
        }
        if (inner == 1) {
            // The usual case, the last axis: contiguous rows, the same arithmetic as below.
            parallel.forRange(layout.outer(), 20L * length, (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    softmaxRow(x, y, o * length, length, log);
                }
            });
            return;
        }
        columns(layout, 20L * length, (o, i0, i1) -> {
            int w = i1 - i0;
            float[] max = new float[w];
            double[] sum = new double[w];
            Arrays.fill(max, Float.NEGATIVE_INFINITY);
            int base = o * length * inner + i0;
            for (int j = 0; j < length; j++) {
                int row = base + j * inner;
                for (int i = 0; i < w; i++) {
                    max[i] = Math.max(max[i], x[row + i]);
                }
            }
            for (int j = 0; j < length; j++) {
                int row = base + j * inner;
                for (int i = 0; i < w; i++) {
                    float e = (float) Math.exp(x[row + i] - max[i]);
                    sum[i] += e;
                    if (!log) {
                        y[row + i] = e;
                    }
                }
            }
            if (log) {
                double[] logSum = new double[w];
                for (int i = 0; i < w; i++) {
                    logSum[i] = Math.log(sum[i]);
                }
                for (int j = 0; j < length; j++) {
                    int row = base + j * inner;
                    for (int i = 0; i < w; i++) {
                        y[row + i] = (float) ((x[row + i] - max[i]) - logSum[i]);
                    }
                }
            } else {
                for (int j = 0; j < length; j++) {
                    int row = base + j * inner;
                    for (int i = 0; i < w; i++) {
                        y[row + i] = (float) (y[row + i] / sum[i]);
                    }
                }
            }
        });
    }

    @Override
    public void softmaxBackward(AxisLayout layout, float[] y, float[] dy, float[] dx,
            boolean log) {
        int length = layout.length();
        int inner = layout.inner();
        if (length == 0) {
            return;
        }
        if (inner == 1) {
            parallel.forRange(layout.outer(), (log ? 20L : 4L) * length, (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    softmaxBackwardRow(y, dy, dx, o * length, length, log);
                }
            });
            return;
        }
        columns(layout, (log ? 20L : 4L) * length, (o, i0, i1) -> {
            int w = i1 - i0;
            double[] sum = new double[w];
            int base = o * length * inner + i0;
            for (int j = 0; j < length; j++) {
                int row = base + j * inner;
                for (int i = 0; i < w; i++) {
                    sum[i] += log ? dy[row + i] : (double) dy[row + i] * y[row + i];
                }
            }
            for (int j = 0; j < length; j++) {
                int row = base + j * inner;
                for (int i = 0; i < w; i++) {
                    dx[row + i] = log
                            ? (float) (dy[row + i] - Math.exp(y[row + i]) * sum[i])
                            : (float) (y[row + i] * (dy[row + i] - sum[i]));
                }
            }
        });
    }

    private static void softmaxRow(float[] x, float[] y, int from, int length, boolean log) {
        int to = from + length;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            max = Math.max(max, x[j]);
        }
        double sum = 0;
        for (int j = from; j < to; j++) {
            float e = (float) Math.exp(x[j] - max);
            sum += e;
            if (!log) {
                y[j] = e;
            }
        }
        if (log) {
            double logSum = Math.log(sum);
            for (int j = from; j < to; j++) {
                y[j] = (float) ((x[j] - max) - logSum);
            }
        } else {
            for (int j = from; j < to; j++) {
                y[j] = (float) (y[j] / sum);
            }
        }
    }

    private static void softmaxBackwardRow(float[] y, float[] dy, float[] dx, int from,
            int length, boolean log) {
        int to = from + length;
        double sum = 0;
        for (int j = from; j < to; j++) {
            sum += log ? dy[j] : (double) dy[j] * y[j];
        }
        for (int j = from; j < to; j++) {
            dx[j] = log ? (float) (dy[j] - Math.exp(y[j]) * sum)
                    : (float) (y[j] * (dy[j] - sum));
        }
    }

    @Override
    public void permute(float[] x, int[] shape, int[] order, float[] y) {
        Permutation p = new Permutation(shape, order);
        int rank = p.dims.length;
        int inner = p.dims[rank - 1];
        int innerStride = p.strides[rank - 1];
        int rows = inner == 0 ? 0 : p.size / inner;
        parallel.forRange(rows, inner, (from, to) -> {
            for (int row = from; row < to; row++) {
                int xo = p.offset(row);
                int yo = row * inner;
                if (innerStride == 1) {
                    System.arraycopy(x, xo, y, yo, inner);
                } else {
                    for (int j = 0; j < inner; j++) {
                        y[yo + j] = x[xo + j * innerStride];
                    }
                }
            }
        });
    }

    /**
     * A permutation with output axes of size 1 dropped and output axes that are also
     * neighbours in the same order in the input merged.
     */
    private static final class Permutation {
        final int[] dims;
        final int[] strides;
        final int size;

        Permutation(int[] shape, int[] order) {
            int rank = shape.length;
            if (order.length != rank) {
                throw new IllegalArgumentException("permute: order " + Arrays.toString(order)
                        + " does not fit shape " + Arrays.toString(shape));
            }
            int[] xStrides = new int[rank];
            int stride = 1;
            long total = 1;
            for (int d = rank - 1; d >= 0; d--) {
                xStrides[d] = stride;
                stride *= shape[d];
                total *= shape[d];
            }
            int[] ds = new int[Math.max(1, rank)];
            int[] ss = new int[ds.length];
            int kept = 0;
            for (int d = 0; d < rank; d++) {
                int size = shape[order[d]];
                int s = xStrides[order[d]];
                if (size == 1) {
                    continue;
                }
                if (kept > 0 && ss[kept - 1] == size * s) {
                    ds[kept - 1] *= size;
                    ss[kept - 1] = s;
                } else {
                    ds[kept] = size;
                    ss[kept] = s;
                    kept++;
                }
            }
            if (kept == 0) {
                ds[0] = 1;
                ss[0] = 1;
                kept = 1;
            }
            this.dims = Arrays.copyOf(ds, kept);
            this.strides = Arrays.copyOf(ss, kept);
            this.size = (int) total;
        }

        int offset(int row) {
            int offset = 0;
            for (int d = dims.length - 2; d >= 0 && row > 0; d--) {
                offset += (row % dims[d]) * strides[d];
                row /= dims[d];
            }
            return offset;
        }
    }

    @Override
    public void slice(AxisLayout from, float[] x, int start, int count, float[] y) {
        int inner = from.inner();
        int length = from.length();
        int run = count * inner;
        parallel.forRange(from.outer(), run, (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                System.arraycopy(x, (o * length + start) * inner, y, o * run, run);
            }
        });
    }

    @Override
    public void place(AxisLayout part, float[] x, AxisLayout into, int start, float[] y) {
        int inner = part.inner();
        int run = part.length() * inner;
        int length = into.length();
        parallel.forRange(part.outer(), run, (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                System.arraycopy(x, o * run, y, (o * length + start) * inner, run);
            }
        });
    }

    @Override
    public void gather(AxisLayout from, float[] x, int indexLength, int[] index, float[] y) {
        int length = from.length();
        int inner = from.inner();
        columns(from.withLength(indexLength), Math.max(1, indexLength), (o, i0, i1) -> {
            for (int j = 0; j < indexLength; j++) {
                int at = (o * indexLength + j) * inner;
                int xBase = o * length * inner;
                for (int i = i0; i < i1; i++) {
                    y[at + i] = x[xBase + index[at + i] * inner + i];
                }
            }
        });
    }

    @Override
    public void scatterAdd(AxisLayout into, float[] y, int indexLength, int[] index,
            float[] source) {
        int length = into.length();
        int inner = into.inner();
        // Items own whole (o, i) columns, so each target element sees ascending j.
        columns(into.withLength(indexLength), Math.max(1, indexLength), (o, i0, i1) -> {
            int yBase = o * length * inner;
            for (int j = 0; j < indexLength; j++) {
                int at = (o * indexLength + j) * inner;
                for (int i = i0; i < i1; i++) {
                    y[yBase + index[at + i] * inner + i] += source[at + i];
                }
            }
        });
    }

    @Override
    public void indexSelect(AxisLayout from, float[] x, int[] indices, float[] y) {
        int length = from.length();
        int inner = from.inner();
        int count = indices.length;
        parallel.forRange(from.outer() * count, inner, (item0, item1) -> {
            for (int item = item0; item < item1; item++) {
                int o = item / count;
                int j = item % count;
                System.arraycopy(x, (o * length + indices[j]) * inner, y, item * inner, inner);
            }
        });
    }

    @Override
    public void indexAdd(AxisLayout into, float[] y, int[] indices, float[] source) {
        int length = into.length();
        int inner = into.inner();
        int count = indices.length;
        columns(into.withLength(count), Math.max(1, count), (o, i0, i1) -> {
            for (int j = 0; j < count; j++) {
                int to = (o * length + indices[j]) * inner;
                int at = (o * count + j) * inner;
                for (int i = i0; i < i1; i++) {
                    y[to + i] += source[at + i];
                }
            }
        });
    }

    // ---------------------------------------------------------------- normalisation

    @Override
    public void rmsNorm(int rows, int columns, float[] x, float[] g, float eps, float[] y,
            float[] inverseRms) {
        parallel.forRange(rows, 4L * columns, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * columns;
                double squares = 0;
                for (int c = 0; c < columns; c++) {
                    double v = x[base + c];
                    squares += v * v;
                }
                double inv = 1.0 / Math.sqrt(squares / columns + eps);
                inverseRms[r] = (float) inv;
                for (int c = 0; c < columns; c++) {
                    y[base + c] = (float) (x[base + c] * inv * g[c]);
                }
            }
        });
    }

    @Override
    public void rmsNormBackward(int rows, int columns, float[] x, float[] g, float[] inverseRms,
            float[] dy, float[] dx, float[] dg) {
        // dx = r g dy - x r^3 / C * sum(dy g x); dg = sum over rows of dy x r.
        parallel.forRange(rows, 6L * columns, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * columns;
                double inv = inverseRms[r];
                double dot = 0;
                for (int c = 0; c < columns; c++) {
                    dot += (double) dy[base + c] * g[c] * x[base + c];
                }
                double k = inv * inv * inv * dot / columns;
                for (int c = 0; c < columns; c++) {
                    dx[base + c] = (float) (inv * g[c] * dy[base + c] - x[base + c] * k);
                }
            }
        });
        columnSums(rows, columns, dg, null, (r, c) -> (double) dy[r * columns + c]
                * x[r * columns + c] * inverseRms[r], null);
    }

    @Override
    public void layerNorm(int rows, int columns, float[] x, float[] g, float[] b, float eps,
            float[] y, float[] mean, float[] inverseStd) {
        parallel.forRange(rows, 6L * columns, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * columns;
                double sum = 0;
                for (int c = 0; c < columns; c++) {
                    sum += x[base + c];
                }
                double mu = sum / columns;
                double squares = 0;
                for (int c = 0; c < columns; c++) {
                    double d = x[base + c] - mu;
                    squares += d * d;
                }
                double inv = 1.0 / Math.sqrt(squares / columns + eps);
                mean[r] = (float) mu;
                inverseStd[r] = (float) inv;
                for (int c = 0; c < columns; c++) {
                    double v = (x[base + c] - mu) * inv * g[c];
                    y[base + c] = (float) (b == null ? v : v + b[c]);
                }
            }
        });
    }

    @Override
    public void layerNormBackward(int rows, int columns, float[] x, float[] g, float[] mean,
            float[] inverseStd, float[] dy, float[] dx, float[] dg, float[] db) {
        // With h = (x - mean) r and e = dy g: dx = r (e - mean(e) - h mean(e h)).
        parallel.forRange(rows, 8L * columns, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * columns;
                double mu = mean[r];
                double inv = inverseStd[r];
                double sumE = 0;
                double sumEh = 0;
                for (int c = 0; c < columns; c++) {
                    double e = (double) dy[base + c] * g[c];
                    sumE += e;
                    sumEh += e * (x[base + c] - mu) * inv;
                }
                double meanE = sumE / columns;
                double meanEh = sumEh / columns;
                for (int c = 0; c < columns; c++) {
                    double h = (x[base + c] - mu) * inv;
                    double e = (double) dy[base + c] * g[c];
                    dx[base + c] = (float) (inv * (e - meanE - h * meanEh));
                }
            }
        });
        columnSums(rows, columns, dg, db,
                (r, c) -> dy[r * columns + c] * ((x[r * columns + c] - (double) mean[r])
                        * inverseStd[r]),
                (r, c) -> dy[r * columns + c]);
    }

    @FunctionalInterface
    private interface Term {
        double at(int row, int column);
    }

    /**
     * {@code first[c] = sum over rows of firstTerm(r, c)} (and likewise {@code second}, when
     * not null), adding rows in ascending order per column in double; items own column blocks.
     */
    private void columnSums(int rows, int columns, float[] first, float[] second,
            Term firstTerm, Term secondTerm) {
        int width = 64;
        int chunks = (columns + width - 1) / width;
        parallel.forRange(chunks, 4L * rows * width, (k0, k1) -> {
            double[] a = new double[width];
            double[] b = new double[width];
            for (int chunk = k0; chunk < k1; chunk++) {
                int c0 = chunk * width;
                int c1 = Math.min(columns, c0 + width);
                Arrays.fill(a, 0);
                Arrays.fill(b, 0);
                for (int r = 0; r < rows; r++) {
                    for (int c = c0; c < c1; c++) {
                        a[c - c0] += firstTerm.at(r, c);
                        if (second != null) {
                            b[c - c0] += secondTerm.at(r, c);
                        }
                    }
                }
                for (int c = c0; c < c1; c++) {
                    first[c] = (float) a[c - c0];
                    if (second != null) {
                        second[c] = (float) b[c - c0];
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- position, loss, quant

    @Override
    public void rope(int outer, int time, int inner, int dim, float[] x, int[] positions,
            int rotary, double theta, boolean inverse, float[] y) {
        int half = rotary / 2;
        float[] cos = new float[time * half];
        float[] sin = new float[time * half];
        double[] frequency = new double[half];
        for (int i = 0; i < half; i++) {
            frequency[i] = Math.pow(theta, -2.0 * i / rotary);
        }
        for (int t = 0; t < time; t++) {
            for (int i = 0; i < half; i++) {
                double angle = positions[t] * frequency[i];
                if (inverse) {
                    angle = -angle;
                }
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        int vectors = outer * time * inner;
        parallel.forRange(vectors, 4L * dim, (v0, v1) -> {
            for (int v = v0; v < v1; v++) {
                int t = (v / inner) % time;
                int base = v * dim;
                int table = t * half;
                for (int i = 0; i < half; i++) {
                    float x1 = x[base + i];
                    float x2 = x[base + half + i];
                    float c = cos[table + i];
                    float s = sin[table + i];
                    y[base + i] = x1 * c - x2 * s;
                    y[base + half + i] = x1 * s + x2 * c;
                }
                for (int i = 2 * half; i < dim; i++) {
                    y[base + i] = x[base + i];
                }
            }
        });
    }

    @Override
    public void crossEntropy(int rows, int vocab, float[] logits, int[] targets, int ignoreIndex,
            float[] loss, float[] logsumexp) {
        parallel.forRange(rows, 20L * vocab, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * vocab;
                float max = Float.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, logits[base + v]);
                }
                double sum = 0;
                for (int v = 0; v < vocab; v++) {
                    sum += (float) Math.exp(logits[base + v] - max);
                }
                double lse = max + Math.log(sum);
                logsumexp[r] = (float) lse;
                int target = targets[r];
                loss[r] = target == ignoreIndex ? 0f : (float) (lse - logits[base + target]);
            }
        });
    }

    @Override
    public void crossEntropyBackward(int rows, int vocab, float[] logits, int[] targets,
            int ignoreIndex, float[] logsumexp, float rowGrad, float[] dlogits) {
        parallel.forRange(rows, 20L * vocab, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * vocab;
                int target = targets[r];
                if (target == ignoreIndex) {
                    Arrays.fill(dlogits, base, base + vocab, 0f);
                    continue;
                }
                double lse = logsumexp[r];
                for (int v = 0; v < vocab; v++) {
                    double p = Math.exp(logits[base + v] - lse);
                    dlogits[base + v] = (float) (rowGrad * (v == target ? p - 1 : p));
                }
            }
        });
    }

    @Override
    public void fp8E4m3(int rows, int columns, int group, boolean powerOfTwo, float[] x,
            float[] y, float[] scales) {
        boolean valid = group > 0 && columns % group == 0 && x.length == rows * columns
                && y.length == x.length && scales.length == rows * (columns / group);
        if (!valid || rows < 2 || (long) rows * columns <= Parallel.GRAIN) {
            // Small inputs, and invalid ones (which it rejects), go to the scalar code whole.
            Fp8E4m3.quantizeDequantize(x, rows, columns, group, powerOfTwo, y, scales);
            return;
        }
        int groups = columns / group;
        parallel.forRange(rows, 16L * columns, (r0, r1) -> {
            int count = r1 - r0;
            float[] xs = Arrays.copyOfRange(x, r0 * columns, r1 * columns);
            float[] ys = new float[count * columns];
            float[] ss = new float[count * groups];
            Fp8E4m3.quantizeDequantize(xs, count, columns, group, powerOfTwo, ys, ss);
            System.arraycopy(ys, 0, y, r0 * columns, ys.length);
            System.arraycopy(ss, 0, scales, r0 * groups, ss.length);
        });
    }

    /** Nothing to release: the pool is shared and stays. */
    @Override
    public void close() {
    }
}
