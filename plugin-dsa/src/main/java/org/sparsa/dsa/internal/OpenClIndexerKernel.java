package org.sparsa.dsa.internal;

import com.aparapi.Kernel;
import java.util.ArrayList;
import java.util.List;
import org.sparsa.core.compute.opencl.Launcher;

/**
 * The indexer's KL losses on an OpenCL device through Aparapi, with the contract of
 * {@link IndexerKernel}: the same sizes, inputs, saved statistics and gradients, equal to its
 * own up to float rounding, and like it never a {@code T x T} matrix.
 *
 * <p><b>Work items.</b> The forward is one item per query row ({@link IndexerStatisticsKernel}):
 * the row's teacher and student log-sum-exps and its KL. The backward runs two kernels: dqi and
 * dw per query row ({@link IndexerRowGradientKernel}), then dki per key
 * ({@link IndexerKeyGradientKernel}), gathering over the rows that read the key: every later
 * row for the dense loss, for the sparse one the inverted index of the selection that
 * {@link IndexerKernel} builds, here on the host, in row order.
 *
 * <p><b>Determinism.</b> Every output element has one writer, which adds its terms in an order
 * fixed by the data alone; there are no atomics. Results are bit-identical from run to run on
 * one device. Device memory beyond the inputs and outputs is the sparse loss's inverted index,
 * {@code O(T * top_k)}.
 *
 * <p><b>Precision.</b> Sums over keys and heads are double, as in the Java kernel, so the
 * kernels need {@code cl_khr_fp64}: on a device without it they do not build and the
 * constructor throws with the device's reason, as {@code OpenClNsaKernel} does.
 *
 * <p>An instance builds its three kernels once, in the constructor, and runs each once on a
 * one-token problem there (Aparapi crashes the JVM when it disposes a kernel that never ran, and
 * the first launch makes the device finish compiling). A kernel that cannot be built, or a call
 * whose kernel did not run on the device, throws: Aparapi's Java fallback never computes a
 * result here. Calls on one instance are serialised; close it to free the device resources.
 */
public final class OpenClIndexerKernel implements AutoCloseable {
    /** Work-group size; ranges are padded to a multiple and the kernels skip the padding. */
    private static final int GROUP = 64;
    /** A one-token sparse problem: it runs every kernel, the key kernel over the index. */
    private static final IndexerKernel.Sizes WARM_UP = new IndexerKernel.Sizes(1, 1, 1, 1, 1,
            1, 1);

    private final Launcher launcher;
    private final IndexerStatisticsKernel statisticsKernel = new IndexerStatisticsKernel();
    private final IndexerRowGradientKernel rowGradientKernel = new IndexerRowGradientKernel();
    private final IndexerKeyGradientKernel keyGradientKernel = new IndexerKeyGradientKernel();
    /** The kernels that have run at least once, the only ones that may be disposed. */
    private final List<Kernel> ran = new ArrayList<>();
    private boolean closed;

    /**
     * Picks the device (the first OpenCL GPU, else the first OpenCL device) and builds the
     * kernels for it.
     *
     * @throws IllegalStateException when there is no OpenCL device, or a kernel cannot be
     *     translated to OpenCL or built for the device (the message says why)
     */
    public OpenClIndexerKernel() {
        launcher = new Launcher(Launcher.firstDevice().orElseThrow(() ->
                new IllegalStateException("no OpenCL device: " + Launcher.unavailableReason())),
                GROUP, Integer.MAX_VALUE);
        try {
            launcher.build(statisticsKernel);
            launcher.build(rowGradientKernel);
            launcher.build(keyGradientKernel);
            float[] one = {0.5f};
            IndexerKernel.Inputs in = new IndexerKernel.Inputs(one, one, one, one, one,
                    new int[] {0});
            backward(WARM_UP, in, forward(WARM_UP, in), 1f);
        } catch (RuntimeException e) {
            ran.forEach(Kernel::dispose);
            throw e;
        }
    }

    /** Whether an OpenCL device is present, that is whether the constructor can pick one. */
    public static boolean isAvailable() {
        return Launcher.firstDevice().isPresent();
    }

    /** The device the kernels run on, as Aparapi describes it. */
    public String deviceDescription() {
        return Launcher.describe(launcher.device());
    }

    /**
     * Each row's KL and the statistics the backward needs, as {@link IndexerKernel#forward}.
     *
     * @throws IllegalArgumentException when an array's length does not fit the sizes, or a
     *     buffer would exceed what Aparapi can size
     * @throws IllegalStateException when closed, or when the kernel did not run on the device
     */
    public synchronized IndexerKernel.Forward forward(IndexerKernel.Sizes sizes,
            IndexerKernel.Inputs in) {
        requireOpen();
        requireInputs(sizes, in);
        int length = sizes.length();
        float[] teacherLse = new float[length * sizes.queryHeads()];
        float[] studentLse = new float[length];
        float[] kl = new float[length];
        int[] selected = selection(in);
        statisticsKernel.bind(sizes, in, selected, teacherLse, studentLse, kl);
        statisticsKernel.put(in.q()).put(in.k()).put(in.qi()).put(in.ki()).put(in.w())
                .put(selected);
        launch(statisticsKernel, length);
        statisticsKernel.get(teacherLse).get(studentLse).get(kl);
        return new IndexerKernel.Forward(kl, teacherLse, studentLse);
    }

    /**
     * The gradients of qi, ki and w when each row's KL has gradient {@code rowGradient}, as
     * {@link IndexerKernel#backward}.
     *
     * @throws IllegalArgumentException when an array's length does not fit the sizes, or a
     *     buffer would exceed what Aparapi can size
     * @throws IllegalStateException when closed, or when a kernel did not run on the device
     */
    public synchronized IndexerKernel.Gradients backward(IndexerKernel.Sizes sizes,
            IndexerKernel.Inputs in, IndexerKernel.Forward forward, float rowGradient) {
        requireOpen();
        requireInputs(sizes, in);
        int length = sizes.length();
        if (forward.kl().length != length || forward.studentLse().length != length
                || forward.teacherLse().length != length * sizes.queryHeads()) {
            throw new IllegalArgumentException("indexer opencl kernel: expected the forward's "
                    + "kl, studentLse [T] and teacherLse [T, Hq] for " + sizes + "; found "
                    + forward.kl().length + ", " + forward.studentLse().length + " and "
                    + forward.teacherLse().length + " values");
        }
        float[] teacherLse = forward.teacherLse();
        float[] studentLse = forward.studentLse();
        int[] selected = selection(in);
        float[] dqi = new float[in.qi().length];
        float[] dw = new float[in.w().length];
        float[] dki = new float[in.ki().length];
        rowGradientKernel.bind(sizes, in, selected, teacherLse, studentLse, rowGradient, dqi,
                dw);
        rowGradientKernel.put(in.q()).put(in.k()).put(in.qi()).put(in.ki()).put(in.w())
                .put(selected).put(teacherLse).put(studentLse);
        launch(rowGradientKernel, length);
        rowGradientKernel.get(dqi).get(dw);
        IndexerKernel.Owners owners = IndexerKernel.Owners.of(sizes, in.selected());
        int[] rowStart = owners.start() == null ? new int[1] : owners.start();
        int[] rows = owners.rows() == null || owners.rows().length == 0 ? new int[1]
                : owners.rows();
        keyGradientKernel.bind(sizes, in, teacherLse, studentLse, rowGradient, rowStart, rows,
                dki);
        keyGradientKernel.put(in.q()).put(in.k()).put(in.qi()).put(in.ki()).put(in.w())
                .put(teacherLse).put(studentLse).put(rowStart).put(rows);
        launch(keyGradientKernel, length);
        keyGradientKernel.get(dki);
        return new IndexerKernel.Gradients(dqi, dki, dw);
    }

    /** Frees the kernels' device resources; later calls throw. Closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            ran.forEach(Kernel::dispose);
            ran.clear();
        }
    }

    private void launch(Kernel kernel, int items) {
        launcher.launchPadded(kernel, items);
        if (!ran.contains(kernel)) {
            ran.add(kernel);
        }
    }

    /** The selection, or one unread id for the dense loss: a device buffer cannot be empty. */
    private static int[] selection(IndexerKernel.Inputs in) {
        return in.selected().length == 0 ? new int[1] : in.selected();
    }

    private static void requireInputs(IndexerKernel.Sizes sizes, IndexerKernel.Inputs in) {
        IndexerKernel.require(sizes, in);
        requireBuffer("q", in.q().length);
        requireBuffer("k", in.k().length);
        requireBuffer("qi", in.qi().length);
        requireBuffer("selected", in.selected().length);
    }

    /** Aparapi sizes buffers in int bytes; every array here has 4-byte values. */
    private static void requireBuffer(String name, long elements) {
        if (elements * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("indexer opencl kernel: the " + name
                    + " buffer (" + elements + " values) exceeds the 2 GiB an OpenCL buffer "
                    + "may have here");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenClIndexerKernel is closed");
        }
    }
}
