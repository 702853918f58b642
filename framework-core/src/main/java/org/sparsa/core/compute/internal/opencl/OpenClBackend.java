package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.compute.UnaryFunction;
import org.sparsa.core.compute.opencl.Launcher;

/**
 * The {@code opencl} backend: every {@link Backend} kernel as an Aparapi kernel on one OpenCL
 * device, the first GPU, else the first device of any type (a CPU through PoCL, say).
 *
 * <p>An instance builds its kernels once, in {@link #open()}, and reuses them for every call;
 * each kernel also runs once there on dummy data, which makes the device finish compiling it
 * and lets {@link #close()} dispose it safely (Aparapi crashes the JVM when it disposes a
 * kernel that was built but never run). A call binds its arrays and sizes to the kernel's
 * fields, puts the inputs, launches and gets the outputs; buffers are explicit, so nothing
 * else moves. Calls with nothing to compute return without launching.
 *
 * <p>Aparapi quietly runs a kernel on a Java thread pool when OpenCL cannot take it. This class
 * never does: a kernel that cannot be built for the device fails {@link #open()}, and a call
 * whose kernel did not run on the device throws {@link IllegalStateException}, so every result
 * has really been computed by OpenCL. The one exception to building everything up front is the
 * FP8 kernel, which needs double precision: on a device without it, {@link #fp8E4m3} throws
 * and everything else works.
 *
 * <p>Results are bit-identical from call to call on one device: each work item writes its own
 * outputs and adds in a fixed order, with no atomics. They agree with the {@code java} backend
 * within float32 rounding (sums are float here, and OpenCL may fuse multiply-adds). Calls on
 * one instance are serialised. Aparapi keeps device preferences per kernel class, so all
 * instances in a JVM use the same device.
 *
 * <p>Array lengths are checked against the shapes (an OpenCL kernel reading past a buffer
 * does not fail cleanly), and against Aparapi's limit of {@code 2^31 - 1} bytes per buffer
 * (about 537 million floats or ints). Index values are the caller's to check; the kernels
 * read an out-of-range index as no element rather than touch memory outside the arrays.
 */
public final class OpenClBackend implements Backend {
    /** One-dimensional work-group size; ranges are padded to a multiple. */
    private static final int GROUP = 64;
    /**
     * The most work items of one launch; larger ranges go in pieces, so that padding a range
     * to whole work groups never overflows an int.
     */
    private static final int MAX_ITEMS = 1 << 30;
    /**
     * The longest array a kernel takes: Aparapi counts a buffer's size in bytes in an int, and
     * floats and ints take four bytes.
     */
    static final int MAX_ELEMENTS = Integer.MAX_VALUE / Float.BYTES;

    private final Launcher launcher;
    private final String description;
    /** The kernels that have run, which alone may be disposed. */
    private final List<Kernel> ready = new ArrayList<>();
    private final MatmulKernel matmulKernel;
    private final UnaryKernel unaryKernel = new UnaryKernel();
    private final SwiGluKernel swiGluKernel = new SwiGluKernel();
    private final BinaryKernel binaryKernel = new BinaryKernel();
    private final ScaleKernel scaleKernel = new ScaleKernel();
    private final AxisSumKernel axisSumKernel = new AxisSumKernel();
    private final SoftmaxKernel softmaxKernel = new SoftmaxKernel();
    private final PermuteKernel permuteKernel = new PermuteKernel();
    private final SliceKernel sliceKernel = new SliceKernel();
    private final GatherKernel gatherKernel = new GatherKernel();
    private final IndexSelectKernel indexSelectKernel = new IndexSelectKernel();
    private final MaskedFillKernel maskedFillKernel = new MaskedFillKernel();
    private final RmsNormKernel rmsNormKernel = new RmsNormKernel();
    private final LayerNormKernel layerNormKernel = new LayerNormKernel();
    private final RopeKernel ropeKernel = new RopeKernel();
    private final CrossEntropyKernel crossEntropyKernel = new CrossEntropyKernel();
    private final Fp8Kernel fp8Kernel = new Fp8Kernel();
    /** Why the FP8 kernel could not be built, or null when it was. */
    private String fp8Problem;
    private boolean closed;

    private OpenClBackend(Launcher launcher) {
        this.launcher = launcher;
        OpenCLDevice device = launcher.device();
        this.description = "opencl, " + device.getOpenCLPlatform().getName() + ", "
                + Launcher.describe(device);
        this.matmulKernel = new MatmulKernel(launcher.matmulTile());
        try {
            float[] one = {1f};
            int[] zero = {0};
            AxisLayout single = new AxisLayout(1, 1, 1);
            prepare(matmulKernel, () -> matmul(MatmulShape.of(1, 1, 1), one, one, new float[1]));
            prepare(unaryKernel, () -> map(UnaryFunction.EXP, one, new float[1]));
            prepare(swiGluKernel, () -> swiglu(one, one, new float[1]));
            prepare(binaryKernel, () -> binary(BinaryFunction.ADD, one, new int[] {1}, one,
                    new int[] {1}, new float[1], new int[] {1}));
            prepare(scaleKernel, () -> scale(one, 2f, new float[1]));
            prepare(axisSumKernel, () -> sumAxis(single, one, new float[1]));
            prepare(softmaxKernel, () -> softmax(single, one, new float[1], false));
            prepare(permuteKernel, () -> permute(one, new int[] {1}, new int[] {0},
                    new float[1]));
            prepare(sliceKernel, () -> slice(single, one, 0, 1, new float[1]));
            prepare(gatherKernel, () -> gather(single, one, 1, zero, new float[1]));
            prepare(indexSelectKernel, () -> indexSelect(single, one, zero, new float[1]));
            prepare(maskedFillKernel, () -> maskedFill(one, new int[] {1}, zero, new int[] {1},
                    0f, new float[1]));
            prepare(rmsNormKernel, () -> rmsNorm(1, 1, one, one, 1e-6f, new float[1],
                    new float[1]));
            prepare(layerNormKernel, () -> layerNorm(1, 1, one, one, null, 1e-6f,
                    new float[1], new float[1], new float[1]));
            prepare(ropeKernel, () -> rope(1, 1, 1, 2, new float[] {1f, 1f}, zero, 2, 1e4,
                    false, new float[2]));
            prepare(crossEntropyKernel, () -> crossEntropy(1, 1, one, zero, -1, new float[1],
                    new float[1]));
            try {
                launcher.build(fp8Kernel);
                fp8E4m3(1, 1, 1, false, one, new float[1], new float[1]);
                ready.add(fp8Kernel);
            } catch (IllegalStateException e) {
                // Most likely no double precision on the device; only fp8E4m3 needs it.
                fp8Problem = e.getMessage();
            }
        } catch (RuntimeException | Error e) {
            ready.forEach(Kernel::dispose);
            throw e;
        }
    }

    /**
     * Picks the device and builds every kernel for it (one to two seconds per kernel with a
     * cold OpenCL compiler cache, milliseconds once cached).
     *
     * @throws IllegalStateException when there is no OpenCL device, or a kernel cannot be
     *     translated to OpenCL or built for the device (the message says why)
     */
    public static OpenClBackend open() {
        return open(MAX_ITEMS);
    }

    /** As {@link #open()}, with launches of at most {@code maxItemsPerLaunch} work items. */
    static OpenClBackend open(int maxItemsPerLaunch) {
        OpenCLDevice device = Launcher.firstDevice().orElseThrow(() -> new IllegalStateException(
                "no OpenCL device: " + Launcher.unavailableReason()));
        return new OpenClBackend(new Launcher(device, GROUP, maxItemsPerLaunch));
    }

    /** Whether an OpenCL device is present, that is whether {@link #open()} can pick one. */
    public static boolean isAvailable() {
        return Launcher.firstDevice().isPresent();
    }

    private void prepare(Kernel kernel, Runnable firstRun) {
        launcher.build(kernel);
        firstRun.run();
        ready.add(kernel);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.OPENCL;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public synchronized void matmul(MatmulShape shape, float[] a, float[] b, float[] c) {
        requireOpen();
        int batch = shape.batch();
        int m = shape.m();
        int n = shape.n();
        int k = shape.k();
        requireAtLeast("matmul: a", a, batch, shape.aBatchStride(), (long) m * k);
        requireAtLeast("matmul: b", b, batch, shape.bBatchStride(), (long) k * n);
        requireLength("matmul: c", c, (long) batch * m * n);
        if (c.length == 0) {
            return;
        }
        a = distinct(a, c);
        b = distinct(b, c);
        matmulKernel.bind(m, n, k, shape.transposeA(), shape.transposeB(),
                shape.aBatchStride(), shape.bBatchStride(), nonEmpty(a), nonEmpty(b), c);
        put(matmulKernel, a);
        put(matmulKernel, b);
        int tile = matmulKernel.tile();
        int cap = Math.max(launcher.maxItems(), tile * tile);
        int columns = (int) Math.min(roundUp(n, tile), Math.max(tile, cap / tile / tile * tile));
        int rows = (int) Math.min(roundUp(m, tile),
                Math.max(tile, cap / columns / tile * tile));
        int batches = (int) Math.max(1, Math.min(batch, cap / ((long) columns * rows)));
        for (int b0 = 0; b0 < batch; b0 += Math.min(batches, batch - b0)) {
            for (int r0 = 0; r0 < m; r0 += Math.min(rows, m - r0)) {
                for (int c0 = 0; c0 < n; c0 += Math.min(columns, n - c0)) {
                    matmulKernel.block(r0, c0, b0);
                    launcher.launch(matmulKernel, Range.create3D(
                            (int) Math.min(columns, roundUp(n - c0, tile)),
                            (int) Math.min(rows, roundUp(m - r0, tile)),
                            Math.min(batches, batch - b0), tile, tile, 1));
                }
            }
        }
        matmulKernel.get(c);
    }

    @Override
    public synchronized void map(UnaryFunction f, float[] x, float[] y) {
        requireOpen();
        requireLength("map: y", y, x.length);
        if (x.length == 0) {
            return;
        }
        x = distinct(x, y);
        unaryKernel.bindForward(functionId(f), x, y);
        unaryKernel.put(x);
        launcher.run(unaryKernel, x.length);
        unaryKernel.get(y);
    }

    @Override
    public synchronized void mapBackward(UnaryFunction f, float[] x, float[] y, float[] dy,
            float[] dx) {
        requireOpen();
        requireLength("mapBackward: y", y, x.length);
        requireLength("mapBackward: dy", dy, x.length);
        requireLength("mapBackward: dx", dx, x.length);
        if (x.length == 0) {
            return;
        }
        x = distinct(x, dx);
        y = distinct(y, dx);
        dy = distinct(dy, dx);
        unaryKernel.bindBackward(functionId(f), x, y, dy, dx);
        unaryKernel.put(x).put(y).put(dy);
        launcher.run(unaryKernel, x.length);
        unaryKernel.get(dx);
    }

    @Override
    public synchronized void swiglu(float[] gate, float[] up, float[] y) {
        requireOpen();
        requireLength("swiglu: up", up, gate.length);
        requireLength("swiglu: y", y, gate.length);
        if (gate.length == 0) {
            return;
        }
        gate = distinct(gate, y);
        up = distinct(up, y);
        swiGluKernel.bindForward(gate, up, y);
        swiGluKernel.put(gate).put(up);
        launcher.run(swiGluKernel, gate.length);
        swiGluKernel.get(y);
    }

    @Override
    public synchronized void swigluBackward(float[] gate, float[] up, float[] dy,
            float[] dGate, float[] dUp) {
        requireOpen();
        requireLength("swigluBackward: up", up, gate.length);
        requireLength("swigluBackward: dy", dy, gate.length);
        if (dGate != null) {
            requireLength("swigluBackward: dGate", dGate, gate.length);
        }
        if (dUp != null) {
            requireLength("swigluBackward: dUp", dUp, gate.length);
        }
        if (gate.length == 0 || dGate == null && dUp == null) {
            return;
        }
        float[] gateOut = dGate != null ? dGate : new float[1];
        float[] upOut = dUp != null ? dUp : new float[1];
        gate = distinct(gate, gateOut, upOut);
        up = distinct(up, gateOut, upOut);
        dy = distinct(dy, gateOut, upOut);
        swiGluKernel.bindBackward(gate, up, dy, gateOut, dGate != null, upOut, dUp != null);
        swiGluKernel.put(gate).put(up).put(dy);
        launcher.run(swiGluKernel, gate.length);
        if (dGate != null) {
            swiGluKernel.get(dGate);
        }
        if (dUp != null) {
            swiGluKernel.get(dUp);
        }
    }

    @Override
    public synchronized void binary(BinaryFunction f, float[] a, int[] aShape, float[] b,
            int[] bShape, float[] out, int[] outShape) {
        requireOpen();
        requireBroadcast("binary: a", aShape, outShape);
        requireBroadcast("binary: b", bShape, outShape);
        requireLength("binary: a", a, size(aShape));
        requireLength("binary: b", b, size(bShape));
        requireLength("binary: out", out, size(outShape));
        if (out.length == 0) {
            return;
        }
        a = distinct(a, out);
        b = distinct(b, out);
        Strides strides = Strides.simplify("binary", outShape, Strides.broadcast(aShape),
                Strides.broadcast(bShape));
        binaryKernel.bind(binaryId(f), a, strides.strides()[0], b, strides.strides()[1], out,
                strides.shape(), strides.rank(), out.length);
        binaryKernel.put(a).put(b);
        putAll(binaryKernel, binaryKernel.shapes());
        launcher.run(binaryKernel, out.length);
        binaryKernel.get(out);
    }

    @Override
    public synchronized void scale(float[] x, float factor, float[] y) {
        requireOpen();
        requireLength("scale: y", y, x.length);
        if (x.length == 0) {
            return;
        }
        x = distinct(x, y);
        scaleKernel.bind(x, factor, y);
        scaleKernel.put(x);
        launcher.run(scaleKernel, x.length);
        scaleKernel.get(y);
    }

    @Override
    public synchronized void sumAxis(AxisLayout layout, float[] x, float[] y) {
        requireOpen();
        requireLength("sumAxis: x", x, layout.size());
        requireLength("sumAxis: y", y, (long) layout.outer() * layout.inner());
        if (y.length == 0) {
            return;
        }
        x = distinct(x, y);
        axisSumKernel.bindSum(layout.outer(), layout.length(), layout.inner(), nonEmpty(x), y);
        put(axisSumKernel, x);
        launcher.run(axisSumKernel, y.length);
        axisSumKernel.get(y);
    }

    @Override
    public synchronized void expandAxis(AxisLayout layout, float[] x, float[] y) {
        requireOpen();
        requireLength("expandAxis: x", x, (long) layout.outer() * layout.inner());
        requireLength("expandAxis: y", y, layout.size());
        if (y.length == 0) {
            return;
        }
        x = distinct(x, y);
        axisSumKernel.bindExpand(layout.outer(), layout.length(), layout.inner(), x, y);
        axisSumKernel.put(x);
        launcher.run(axisSumKernel, y.length);
        axisSumKernel.get(y);
    }

    @Override
    public synchronized void softmax(AxisLayout layout, float[] x, float[] y, boolean log) {
        requireOpen();
        requireLength("softmax: x", x, layout.size());
        requireLength("softmax: y", y, layout.size());
        if (y.length == 0) {
            return;
        }
        x = distinct(x, y);
        softmaxKernel.bindForward(layout.outer(), layout.length(), layout.inner(), x, y, log);
        softmaxKernel.put(x);
        launcher.run(softmaxKernel, layout.outer() * layout.inner());
        softmaxKernel.get(y);
    }

    @Override
    public synchronized void softmaxBackward(AxisLayout layout, float[] y, float[] dy,
            float[] dx, boolean log) {
        requireOpen();
        requireLength("softmaxBackward: y", y, layout.size());
        requireLength("softmaxBackward: dy", dy, layout.size());
        requireLength("softmaxBackward: dx", dx, layout.size());
        if (dx.length == 0) {
            return;
        }
        y = distinct(y, dx);
        dy = distinct(dy, dx);
        softmaxKernel.bindBackward(layout.outer(), layout.length(), layout.inner(), y, dy, dx,
                log);
        softmaxKernel.put(y).put(dy);
        launcher.run(softmaxKernel, layout.outer() * layout.inner());
        softmaxKernel.get(dx);
    }

    @Override
    public synchronized void permute(float[] x, int[] shape, int[] order, float[] y) {
        requireOpen();
        int rank = shape.length;
        boolean[] seen = new boolean[rank];
        if (order.length != rank) {
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order)
                    + " for shape " + Arrays.toString(shape));
        }
        for (int axis : order) {
            if (axis < 0 || axis >= rank || seen[axis]) {
                throw new IllegalArgumentException("permute: order " + Arrays.toString(order)
                        + " is not a permutation of " + rank + " axes");
            }
            seen[axis] = true;
        }
        requireLength("permute: x", x, size(shape));
        requireLength("permute: y", y, size(shape));
        if (y.length == 0) {
            return;
        }
        x = distinct(x, y);
        int[] inStrides = new int[rank];
        int stride = 1;
        for (int d = rank - 1; d >= 0; d--) {
            inStrides[d] = stride;
            stride *= shape[d];
        }
        int[] outShape = new int[rank];
        int[] strides = new int[rank];
        for (int d = 0; d < rank; d++) {
            outShape[d] = shape[order[d]];
            strides[d] = inStrides[order[d]];
        }
        Strides simple = Strides.simplify("permute", outShape, strides);
        permuteKernel.bind(x, simple.strides()[0], y, simple.shape(), simple.rank());
        permuteKernel.put(x);
        putAll(permuteKernel, permuteKernel.shapes());
        launcher.run(permuteKernel, y.length);
        permuteKernel.get(y);
    }

    @Override
    public synchronized void slice(AxisLayout from, float[] x, int start, int count,
            float[] y) {
        requireOpen();
        requireRange("slice", start, count, from.length());
        requireLength("slice: x", x, from.size());
        requireLength("slice: y", y, (long) from.outer() * count * from.inner());
        if (y.length == 0) {
            return;
        }
        x = distinct(x, y);
        sliceKernel.bind(false, from.outer(), from.length(), count, from.inner(), start, x, y);
        sliceKernel.put(x);
        launcher.run(sliceKernel, y.length);
        sliceKernel.get(y);
    }

    @Override
    public synchronized void place(AxisLayout part, float[] x, AxisLayout into, int start,
            float[] y) {
        requireOpen();
        if (part.outer() != into.outer() || part.inner() != into.inner()) {
            throw new IllegalArgumentException("place: part " + part + " does not fit into "
                    + into);
        }
        requireRange("place", start, part.length(), into.length());
        requireLength("place: x", x, part.size());
        requireLength("place: y", y, into.size());
        if (x.length == 0) {
            return;
        }
        x = distinct(x, y);
        sliceKernel.bind(true, part.outer(), into.length(), part.length(), part.inner(), start,
                y, x);
        // The rest of y stays as it is, so y goes to the device too.
        sliceKernel.put(x).put(y);
        launcher.run(sliceKernel, x.length);
        sliceKernel.get(y);
    }

    @Override
    public synchronized void gather(AxisLayout from, float[] x, int indexLength, int[] index,
            float[] y) {
        requireOpen();
        AxisLayout to = from.withLength(indexLength);
        requireLength("gather: x", x, from.size());
        requireLength("gather: index", index, to.size());
        requireLength("gather: y", y, to.size());
        if (y.length == 0) {
            return;
        }
        x = distinct(x, y);
        gatherKernel.bindGather(from.outer(), from.length(), from.inner(), nonEmpty(x),
                indexLength, index, y);
        put(gatherKernel, x).put(index);
        launcher.run(gatherKernel, y.length);
        gatherKernel.get(y);
    }

    @Override
    public synchronized void scatterAdd(AxisLayout into, float[] y, int indexLength,
            int[] index, float[] source) {
        requireOpen();
        AxisLayout from = into.withLength(indexLength);
        requireLength("scatterAdd: y", y, into.size());
        requireLength("scatterAdd: index", index, from.size());
        requireLength("scatterAdd: source", source, from.size());
        if (y.length == 0 || source.length == 0) {
            return;
        }
        source = distinct(source, y);
        gatherKernel.bindScatterAdd(into.outer(), into.length(), into.inner(), y, indexLength,
                index, source);
        gatherKernel.put(y).put(index).put(source);
        launcher.run(gatherKernel, y.length);
        gatherKernel.get(y);
    }

    @Override
    public synchronized void indexSelect(AxisLayout from, float[] x, int[] indices,
            float[] y) {
        requireOpen();
        AxisLayout to = from.withLength(indices.length);
        requireLength("indexSelect: x", x, from.size());
        requireLength("indexSelect: y", y, to.size());
        if (y.length == 0) {
            return;
        }
        x = distinct(x, y);
        indexSelectKernel.bindSelect(from.outer(), from.length(), from.inner(), nonEmpty(x),
                indices, indices.length, y);
        put(indexSelectKernel, x).put(indices);
        launcher.run(indexSelectKernel, y.length);
        indexSelectKernel.get(y);
    }

    @Override
    public synchronized void indexAdd(AxisLayout into, float[] y, int[] indices,
            float[] source) {
        requireOpen();
        AxisLayout from = into.withLength(indices.length);
        requireLength("indexAdd: y", y, into.size());
        requireLength("indexAdd: source", source, from.size());
        if (y.length == 0 || source.length == 0) {
            return;
        }
        source = distinct(source, y);
        indexSelectKernel.bindAdd(into.outer(), into.length(), into.inner(), y, indices,
                indices.length, source);
        indexSelectKernel.put(y).put(indices).put(source);
        launcher.run(indexSelectKernel, y.length);
        indexSelectKernel.get(y);
    }

    @Override
    public synchronized void maskedFill(float[] x, int[] shape, int[] mask, int[] maskShape,
            float value, float[] y) {
        requireOpen();
        requireBroadcast("maskedFill: mask", maskShape, shape);
        requireLength("maskedFill: x", x, size(shape));
        requireLength("maskedFill: mask", mask, size(maskShape));
        requireLength("maskedFill: y", y, size(shape));
        if (y.length == 0) {
            return;
        }
        x = distinct(x, y);
        Strides strides = Strides.simplify("maskedFill", shape, Strides.broadcast(maskShape));
        maskedFillKernel.bind(x, strides.shape(), strides.rank(), mask, strides.strides()[0],
                value, y);
        maskedFillKernel.put(x).put(mask);
        putAll(maskedFillKernel, maskedFillKernel.shapes());
        launcher.run(maskedFillKernel, y.length);
        maskedFillKernel.get(y);
    }

    @Override
    public synchronized void rmsNorm(int rows, int columns, float[] x, float[] g, float eps,
            float[] y, float[] inverseRms) {
        requireOpen();
        requireMatrix("rmsNorm", rows, columns);
        requireLength("rmsNorm: x", x, (long) rows * columns);
        requireLength("rmsNorm: g", g, columns);
        requireLength("rmsNorm: y", y, (long) rows * columns);
        requireLength("rmsNorm: inverseRms", inverseRms, rows);
        if (rows == 0) {
            return;
        }
        x = distinct(x, y, inverseRms);
        g = distinct(g, y, inverseRms);
        rmsNormKernel.bindForward(rows, columns, nonEmpty(x), nonEmpty(g), eps, nonEmpty(y),
                inverseRms);
        put(rmsNormKernel, x);
        put(rmsNormKernel, g);
        launcher.run(rmsNormKernel, rows);
        get(rmsNormKernel, y).get(inverseRms);
    }

    @Override
    public synchronized void rmsNormBackward(int rows, int columns, float[] x, float[] g,
            float[] inverseRms, float[] dy, float[] dx, float[] dg) {
        requireOpen();
        requireMatrix("rmsNormBackward", rows, columns);
        requireLength("rmsNormBackward: x", x, (long) rows * columns);
        requireLength("rmsNormBackward: g", g, columns);
        requireLength("rmsNormBackward: inverseRms", inverseRms, rows);
        requireLength("rmsNormBackward: dy", dy, (long) rows * columns);
        requireLength("rmsNormBackward: dx", dx, (long) rows * columns);
        requireLength("rmsNormBackward: dg", dg, columns);
        if (columns == 0) {
            return;
        }
        if (rows == 0) {
            Arrays.fill(dg, 0f);
            return;
        }
        x = distinct(x, dx, dg);
        g = distinct(g, dx, dg);
        inverseRms = distinct(inverseRms, dx, dg);
        dy = distinct(dy, dx, dg);
        rmsNormKernel.bindBackward(RmsNormKernel.INPUT_GRADIENT, rows, columns, x, g,
                inverseRms, dy, dx, dg);
        rmsNormKernel.put(x).put(g).put(inverseRms).put(dy);
        launcher.run(rmsNormKernel, rows);
        rmsNormKernel.bindBackward(RmsNormKernel.WEIGHT_GRADIENT, rows, columns, x, g,
                inverseRms, dy, dx, dg);
        launcher.run(rmsNormKernel, columns);
        rmsNormKernel.get(dx).get(dg);
    }

    @Override
    public synchronized void layerNorm(int rows, int columns, float[] x, float[] g, float[] b,
            float eps, float[] y, float[] mean, float[] inverseStd) {
        requireOpen();
        requireMatrix("layerNorm", rows, columns);
        requireLength("layerNorm: x", x, (long) rows * columns);
        requireLength("layerNorm: g", g, columns);
        if (b != null) {
            requireLength("layerNorm: b", b, columns);
        }
        requireLength("layerNorm: y", y, (long) rows * columns);
        requireLength("layerNorm: mean", mean, rows);
        requireLength("layerNorm: inverseStd", inverseStd, rows);
        if (rows == 0) {
            return;
        }
        x = distinct(x, y, mean, inverseStd);
        g = distinct(g, y, mean, inverseStd);
        b = distinct(b, y, mean, inverseStd);
        layerNormKernel.bindForward(rows, columns, nonEmpty(x), nonEmpty(g),
                b == null ? new float[1] : nonEmpty(b), b != null, eps, nonEmpty(y), mean,
                inverseStd);
        put(layerNormKernel, x);
        put(layerNormKernel, g);
        put(layerNormKernel, b);
        launcher.run(layerNormKernel, rows);
        get(layerNormKernel, y).get(mean).get(inverseStd);
    }

    @Override
    public synchronized void layerNormBackward(int rows, int columns, float[] x, float[] g,
            float[] mean, float[] inverseStd, float[] dy, float[] dx, float[] dg, float[] db) {
        requireOpen();
        requireMatrix("layerNormBackward", rows, columns);
        requireLength("layerNormBackward: x", x, (long) rows * columns);
        requireLength("layerNormBackward: g", g, columns);
        requireLength("layerNormBackward: mean", mean, rows);
        requireLength("layerNormBackward: inverseStd", inverseStd, rows);
        requireLength("layerNormBackward: dy", dy, (long) rows * columns);
        requireLength("layerNormBackward: dx", dx, (long) rows * columns);
        requireLength("layerNormBackward: dg", dg, columns);
        if (db != null) {
            requireLength("layerNormBackward: db", db, columns);
        }
        if (columns == 0) {
            return;
        }
        if (rows == 0) {
            Arrays.fill(dg, 0f);
            if (db != null) {
                Arrays.fill(db, 0f);
            }
            return;
        }
        x = distinct(x, dx, dg, db);
        g = distinct(g, dx, dg, db);
        mean = distinct(mean, dx, dg, db);
        inverseStd = distinct(inverseStd, dx, dg, db);
        dy = distinct(dy, dx, dg, db);
        float[] biasGradient = db == null ? new float[1] : db;
        layerNormKernel.bindBackward(LayerNormKernel.INPUT_GRADIENT, rows, columns, x, g, mean,
                inverseStd, dy, dx, dg, biasGradient, db != null);
        layerNormKernel.put(x).put(g).put(mean).put(inverseStd).put(dy);
        launcher.run(layerNormKernel, rows);
        layerNormKernel.bindBackward(LayerNormKernel.WEIGHT_GRADIENT, rows, columns, x, g,
                mean, inverseStd, dy, dx, dg, biasGradient, db != null);
        launcher.run(layerNormKernel, columns);
        layerNormKernel.get(dx).get(dg);
        get(layerNormKernel, db);
    }

    @Override
    public synchronized void rope(int outer, int time, int inner, int dim, float[] x,
            int[] positions, int rotary, double theta, boolean inverse, float[] y) {
        requireOpen();
        if (outer < 0 || time < 0 || inner < 0 || dim < 0 || rotary < 0 || rotary > dim
                || rotary % 2 != 0) {
            throw new IllegalArgumentException("rope: sizes [" + outer + ", " + time + ", "
                    + inner + ", " + dim + "] with " + rotary + " rotary dimensions");
        }
        long size = (long) outer * time * inner * dim;
        requireLength("rope: x", x, size);
        requireLength("rope: positions", positions, time);
        requireLength("rope: y", y, size);
        if (size == 0) {
            return;
        }
        x = distinct(x, y);
        int half = rotary / 2;
        float[] cosines = new float[Math.max(1, time * half)];
        float[] sines = new float[cosines.length];
        for (int i = 0; i < half; i++) {
            double frequency = Math.pow(theta, -2.0 * i / rotary);
            for (int t = 0; t < time; t++) {
                double angle = inverse ? -(positions[t] * frequency) : positions[t] * frequency;
                cosines[t * half + i] = (float) Math.cos(angle);
                sines[t * half + i] = (float) Math.sin(angle);
            }
        }
        ropeKernel.bind(outer, time, inner, dim, rotary, x, cosines, sines, y);
        ropeKernel.put(x).put(cosines).put(sines);
        launcher.run(ropeKernel, y.length);
        ropeKernel.get(y);
    }

    @Override
    public synchronized void crossEntropy(int rows, int vocab, float[] logits, int[] targets,
            int ignoreIndex, float[] loss, float[] logsumexp) {
        requireOpen();
        requireMatrix("crossEntropy", rows, vocab);
        requireLength("crossEntropy: logits", logits, (long) rows * vocab);
        requireLength("crossEntropy: targets", targets, rows);
        requireLength("crossEntropy: loss", loss, rows);
        requireLength("crossEntropy: logsumexp", logsumexp, rows);
        if (rows == 0) {
            return;
        }
        logits = distinct(logits, loss, logsumexp);
        crossEntropyKernel.bindForward(rows, vocab, nonEmpty(logits), targets, ignoreIndex,
                loss, logsumexp);
        put(crossEntropyKernel, logits).put(targets);
        launcher.run(crossEntropyKernel, rows);
        crossEntropyKernel.get(loss).get(logsumexp);
    }

    @Override
    public synchronized void crossEntropyBackward(int rows, int vocab, float[] logits,
            int[] targets, int ignoreIndex, float[] logsumexp, float rowGrad,
            float[] dlogits) {
        requireOpen();
        requireMatrix("crossEntropyBackward", rows, vocab);
        requireLength("crossEntropyBackward: logits", logits, (long) rows * vocab);
        requireLength("crossEntropyBackward: targets", targets, rows);
        requireLength("crossEntropyBackward: logsumexp", logsumexp, rows);
        requireLength("crossEntropyBackward: dlogits", dlogits, (long) rows * vocab);
        if (dlogits.length == 0) {
            return;
        }
        logits = distinct(logits, dlogits);
        logsumexp = distinct(logsumexp, dlogits);
        crossEntropyKernel.bindBackward(rows, vocab, logits, targets, ignoreIndex, logsumexp,
                rowGrad, dlogits);
        crossEntropyKernel.put(logits).put(targets).put(logsumexp);
        launcher.run(crossEntropyKernel, dlogits.length);
        crossEntropyKernel.get(dlogits);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when {@code group} does not divide {@code columns}
     * @throws UnsupportedOperationException when the device has no double precision, which
     *     this kernel needs to match {@link org.sparsa.core.quant.Fp8E4m3} exactly
     */
    @Override
    public synchronized void fp8E4m3(int rows, int columns, int group, boolean powerOfTwo,
            float[] x, float[] y, float[] scales) {
        requireOpen();
        requireMatrix("fp8E4m3", rows, columns);
        if (group <= 0 || columns % group != 0) {
            throw new IllegalArgumentException("fp8 e4m3: group " + group
                    + " must be positive and divide the " + columns + " columns");
        }
        requireLength("fp8E4m3: x", x, (long) rows * columns);
        requireLength("fp8E4m3: y", y, (long) rows * columns);
        requireLength("fp8E4m3: scales", scales, (long) rows * (columns / group));
        if (fp8Problem != null) {
            throw new UnsupportedOperationException("fp8E4m3 on " + description + ": "
                    + fp8Problem);
        }
        if (scales.length == 0) {
            return;
        }
        x = distinct(x, y, scales);
        fp8Kernel.bind(rows, columns, group, powerOfTwo, x, y, scales);
        fp8Kernel.put(x);
        launcher.run(fp8Kernel, scales.length);
        fp8Kernel.get(y).get(scales);
    }

    /** Frees the kernels' device resources; later calls throw. Closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            ready.forEach(Kernel::dispose);
        }
    }

    @Override
    public String toString() {
        return description;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenCL backend is closed");
        }
    }

    private static int functionId(UnaryFunction f) {
        return switch (f) {
            case EXP -> UnaryKernel.EXP;
            case LOG -> UnaryKernel.LOG;
            case RELU -> UnaryKernel.RELU;
            case SILU -> UnaryKernel.SILU;
            case SIGMOID -> UnaryKernel.SIGMOID;
        };
    }

    private static int binaryId(BinaryFunction f) {
        return switch (f) {
            case ADD -> BinaryKernel.ADD;
            case SUB -> BinaryKernel.SUB;
            case MUL -> BinaryKernel.MUL;
            case DIV -> BinaryKernel.DIV;
        };
    }

    // --- transfers: empty arrays stay on the host (OpenCL has no empty buffers) ----------------

    /** {@code array}, or a one-element stand-in when it is empty. */
    private static float[] nonEmpty(float[] array) {
        return array.length == 0 ? new float[1] : array;
    }

    private static Kernel put(Kernel kernel, float[] array) {
        return array == null || array.length == 0 ? kernel : kernel.put(array);
    }

    private static Kernel get(Kernel kernel, float[] array) {
        return array == null || array.length == 0 ? kernel : kernel.get(array);
    }

    private static void putAll(Kernel kernel, int[][] arrays) {
        for (int[] array : arrays) {
            kernel.put(array);
        }
    }

    /**
     * {@code input}, or a copy of it when it is one of {@code outputs}: Aparapi gives every
     * field its own device buffer and reads an array back from the first field that holds it,
     * so one array bound as input and output would come back unchanged.
     */
    private static float[] distinct(float[] input, float[]... outputs) {
        if (input == null) {
            return null;
        }
        for (float[] output : outputs) {
            if (output == input) {
                return input.clone();
            }
        }
        return input;
    }

    // --- checks --------------------------------------------------------------------------------

    private static long roundUp(long value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    private static long size(int[] shape) {
        long size = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative size in " + Arrays.toString(shape));
            }
            size *= s;
        }
        return size;
    }

    private static void requireLength(String what, float[] array, long expected) {
        if (array.length != expected) {
            throw new IllegalArgumentException(what + " has " + array.length
                    + " values, expected " + expected);
        }
        requireBufferSize(what, array.length);
    }

    private static void requireLength(String what, int[] array, long expected) {
        if (array.length != expected) {
            throw new IllegalArgumentException(what + " has " + array.length
                    + " values, expected " + expected);
        }
        requireBufferSize(what, array.length);
    }

    /** Aparapi counts a buffer's bytes in an int: at most {@link #MAX_ELEMENTS} values. */
    private static void requireBufferSize(String what, int length) {
        if (length > MAX_ELEMENTS) {
            throw new IllegalArgumentException(what + " has " + length + " values; the OpenCL "
                    + "backend takes arrays of at most " + MAX_ELEMENTS + " (2^31 - 1 bytes)");
        }
    }

    /** A batched operand holds at least {@code (batch - 1) * stride + matrix} values. */
    private static void requireAtLeast(String what, float[] array, int batch, int stride,
            long matrix) {
        long needed = batch == 0 ? 0 : (long) (batch - 1) * stride + matrix;
        if (array.length < needed) {
            throw new IllegalArgumentException(what + " has " + array.length
                    + " values, needs at least " + needed);
        }
        requireBufferSize(what, array.length);
    }

    private static void requireMatrix(String op, int rows, int columns) {
        if (rows < 0 || columns < 0) {
            throw new IllegalArgumentException(op + ": negative size [" + rows + ", "
                    + columns + "]");
        }
    }

    private static void requireRange(String op, int start, int count, int length) {
        if (start < 0 || count < 0 || (long) start + count > length) {
            throw new IllegalArgumentException(op + ": positions " + start + " .. "
                    + ((long) start + count) + " outside an axis of " + length);
        }
    }

    /** {@code shape} has the rank of {@code target} and each axis equal to it or 1. */
    private static void requireBroadcast(String what, int[] shape, int[] target) {
        boolean fits = shape.length == target.length;
        for (int d = 0; fits && d < shape.length; d++) {
            fits = shape[d] == target[d] || shape[d] == 1;
        }
        if (!fits) {
            throw new IllegalArgumentException(what + " of shape " + Arrays.toString(shape)
                    + " does not broadcast to " + Arrays.toString(target));
        }
    }
}
