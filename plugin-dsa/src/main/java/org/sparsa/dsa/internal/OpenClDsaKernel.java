package org.sparsa.dsa.internal;

import com.aparapi.Kernel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsa.core.compute.opencl.Launcher;

/**
 * DSA's selection and sparse attention on an OpenCL device through Aparapi, with the contract of
 * {@link DsaKernel}: the same layouts and sizes, the same {@code first} offset for the
 * selection, the same choice of keys (up to the float rounding of scores that tie within it)
 * and outputs and gradients equal to its own up to float rounding.
 *
 * <p><b>Work items.</b> The selection is one item per query row, streaming the row's keys
 * through a running top-k kept in global scratch ({@link DsaSelectKernel}). The forward is one
 * item per (query row, kv head) doing every query head of the group ({@link DsaForwardKernel}).
 * The backward runs two kernels: dq and the row terms per (query row, kv head)
 * ({@link DsaQueryGradientKernel}); dk and dv per (key, kv head), gathering over an inverted
 * index of the rows that selected the key, built here on the host in row order
 * ({@link DsaKeyGradientKernel}).
 *
 * <p><b>Determinism.</b> Every output element has one writer, which adds its terms in an order
 * fixed by the data alone; there are no atomics. Results are bit-identical from run to run on
 * one device. Device memory beyond the inputs and outputs is {@code O(Tq * top_k)}: the
 * selection's heaps and the backward's inverted index.
 *
 * <p>An instance builds its kernels once, in the constructor, and runs each once on a tiny
 * problem there (Aparapi crashes the JVM when it disposes a kernel that never ran, and the first
 * launch makes the device finish compiling). A kernel that cannot be built, or a call whose
 * kernel did not run on the device, throws: Aparapi's Java fallback never computes a result
 * here. Calls on one instance are serialised; close it to free the device resources.
 */
public final class OpenClDsaKernel implements AutoCloseable {
    /** Work-group size; ranges are padded to a multiple and the kernels skip the padding. */
    private static final int GROUP = 64;
    private static final String NAME = "dsa opencl kernel";

    private final Launcher launcher;
    private final DsaSelectKernel selectKernel = new DsaSelectKernel();
    private final DsaForwardKernel forwardKernel = new DsaForwardKernel();
    private final DsaQueryGradientKernel queryGradientKernel = new DsaQueryGradientKernel();
    private final DsaKeyGradientKernel keyGradientKernel = new DsaKeyGradientKernel();
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
    public OpenClDsaKernel() {
        launcher = new Launcher(Launcher.firstDevice().orElseThrow(() ->
                new IllegalStateException("no OpenCL device: " + Launcher.unavailableReason())),
                GROUP, Integer.MAX_VALUE);
        try {
            launcher.build(selectKernel);
            launcher.build(forwardKernel);
            launcher.build(queryGradientKernel);
            launcher.build(keyGradientKernel);
            // Two rows and top_k 1: the second row goes through the heap.
            float[] two = {0.5f, 0.25f};
            select(2, 0, 1, 1, 1, two, two, two);
            DsaKernel.Sizes one = new DsaKernel.Sizes(1, 1, 1, 1, 1, 1);
            float[] half = {0.5f};
            int[] first = {0};
            DsaKernel.Forward forward = forward(one, half, half, half, first);
            backward(one, half, half, half, first, forward, half);
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
     * The indexer and the selection, as {@link DsaKernel#select}: row {@code t} is the query at
     * position {@code first + t}, which sees keys {@code s <= first + t}.
     *
     * @param qi {@code [Tq, HI, dI]}
     * @param ki {@code [first + Tq, dI]}
     * @param w {@code [Tq, HI]}
     * @return {@code [Tq, topK]}, each row ascending and padded with -1
     * @throws IllegalArgumentException when an array's length does not fit the sizes, or a
     *     buffer would exceed what Aparapi can size
     * @throws IllegalStateException when closed, or when the kernel did not run on the device
     */
    public synchronized int[] select(int queries, int first, int indexHeads, int indexDim,
            int topK, float[] qi, float[] ki, float[] w) {
        requireOpen();
        long keys = (long) first + queries;
        if (queries < 1 || first < 0 || indexHeads < 1 || indexDim < 1 || topK < 1
                || qi.length != (long) queries * indexHeads * indexDim
                || ki.length != keys * indexDim || w.length != (long) queries * indexHeads) {
            throw new IllegalArgumentException(NAME + ": expected qi [" + queries + ", "
                    + indexHeads + ", " + indexDim + "], ki [" + keys + ", " + indexDim
                    + "], w [" + queries + ", " + indexHeads + "] with every size and top_k "
                    + "from 1 and first from 0; found " + qi.length + ", " + ki.length + " and "
                    + w.length + " values, top_k " + topK + ", first " + first);
        }
        requireBuffer("selection heap", (long) queries * topK, Float.BYTES);
        int[] selected = new int[queries * topK];
        float[] heapScores = new float[selected.length];
        int[] heapIds = new int[selected.length];
        selectKernel.bind(queries, first, indexHeads, indexDim, topK, qi, ki, w, selected,
                heapScores, heapIds);
        selectKernel.put(qi).put(ki).put(w);
        launch(selectKernel, queries);
        selectKernel.get(selected);
        return selected;
    }

    /**
     * Sparse attention of a sequence over its selected keys, as {@link DsaKernel#forward}.
     *
     * @param selected {@code [Tq, topK]} as {@link #select} gives
     * @throws IllegalArgumentException when an array's length does not fit the sizes
     * @throws IllegalStateException when closed, or when the kernel did not run on the device
     */
    public synchronized DsaKernel.Forward forward(DsaKernel.Sizes sizes, float[] q, float[] k,
            float[] v, int[] selected) {
        requireOpen();
        requireInputs(sizes, q, k, v, selected);
        float[] o = new float[q.length];
        float[] lse = new float[sizes.queries() * sizes.queryHeads()];
        forwardKernel.bind(sizes, q, k, v, selected, o, lse);
        forwardKernel.put(q).put(k).put(v).put(selected);
        launch(forwardKernel, sizes.queries() * sizes.kvHeads());
        forwardKernel.get(o).get(lse);
        return new DsaKernel.Forward(o, lse);
    }

    /**
     * The gradients of {@code sum(o * dout)}, as {@link DsaKernel#backward}: dq per row, dk and
     * dv per key over the rows that selected it.
     *
     * @param dout the gradient of o, {@code [Tq, Hq, D]}
     * @throws IllegalArgumentException when an array's length does not fit the sizes
     * @throws IllegalStateException when closed, or when a kernel did not run on the device
     */
    public synchronized DsaKernel.Gradients backward(DsaKernel.Sizes sizes, float[] q,
            float[] k, float[] v, int[] selected, DsaKernel.Forward forward, float[] dout) {
        requireOpen();
        requireInputs(sizes, q, k, v, selected);
        int rows = sizes.queries() * sizes.queryHeads();
        if (forward.o().length != q.length || forward.lse().length != rows
                || dout.length != q.length) {
            throw new IllegalArgumentException(NAME + ": expected o and dout of " + q.length
                    + " values and lse of " + rows + " for " + sizes + "; found "
                    + forward.o().length + ", " + dout.length + " and " + forward.lse().length);
        }
        float[] dq = new float[q.length];
        float[] delta = new float[rows];
        queryGradientKernel.bind(sizes, q, k, v, selected, forward.o(), forward.lse(), dout, dq,
                delta);
        queryGradientKernel.put(q).put(k).put(v).put(selected).put(forward.o())
                .put(forward.lse()).put(dout);
        launch(queryGradientKernel, sizes.queries() * sizes.kvHeads());
        queryGradientKernel.get(dq).get(delta);
        int[] rowStart = rowStart(sizes, selected);
        int[] selecting = rows(sizes, selected, rowStart);
        float[] dk = new float[k.length];
        float[] dv = new float[v.length];
        keyGradientKernel.bind(sizes, q, k, v, forward.lse(), dout, delta, rowStart, selecting,
                dk, dv);
        keyGradientKernel.put(q).put(k).put(v).put(forward.lse()).put(dout).put(delta)
                .put(rowStart).put(selecting);
        launch(keyGradientKernel, sizes.keys() * sizes.kvHeads());
        keyGradientKernel.get(dk).get(dv);
        return new DsaKernel.Gradients(dq, dk, dv);
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

    /**
     * The inverted index's offsets: the rows that selected key s are
     * {@code rows[start[s] .. start[s + 1])}.
     */
    private static int[] rowStart(DsaKernel.Sizes sizes, int[] selected) {
        int keys = sizes.keys();
        int[] start = new int[keys + 1];
        for (int id : selected) {
            if (id >= 0) {
                start[id + 1]++;
            }
        }
        for (int s = 0; s < keys; s++) {
            start[s + 1] += start[s];
        }
        return start;
    }

    /** The inverted index's rows, ascending for each key; never empty. */
    private static int[] rows(DsaKernel.Sizes sizes, int[] selected, int[] start) {
        int keys = sizes.keys();
        int topK = sizes.topK();
        int[] rows = new int[Math.max(1, start[keys])];
        int[] fill = Arrays.copyOf(start, keys);
        for (int t = 0; t < sizes.queries(); t++) {
            for (int c = 0; c < topK; c++) {
                int id = selected[t * topK + c];
                if (id >= 0) {
                    rows[fill[id]++] = t;
                }
            }
        }
        return rows;
    }

    private static void requireInputs(DsaKernel.Sizes sizes, float[] q, float[] k, float[] v,
            int[] selected) {
        long queries = (long) sizes.queries() * sizes.queryHeads() * sizes.dim();
        long keys = (long) sizes.keys() * sizes.kvHeads() * sizes.dim();
        long ids = (long) sizes.queries() * sizes.topK();
        if (q.length != queries || k.length != keys || v.length != keys
                || selected.length != ids) {
            throw new IllegalArgumentException(NAME + ": expected " + queries + " query, "
                    + keys + " key and value values and " + ids + " selected ids for " + sizes
                    + "; found " + q.length + ", " + k.length + ", " + v.length + " and "
                    + selected.length);
        }
        for (int id : selected) {
            if (id >= sizes.keys()) {
                throw new IllegalArgumentException(NAME + ": selected key " + id
                        + " is past the " + sizes.keys() + " keys of " + sizes);
            }
        }
    }

    /** Aparapi sizes buffers in int bytes. */
    private static void requireBuffer(String name, long elements, int bytes) {
        if (elements * bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(NAME + ": the " + name + " buffer ("
                    + elements + " values) exceeds the 2 GiB an OpenCL buffer may have here");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenClDsaKernel is closed");
        }
    }
}
