package org.sparsa.nsa.internal;

import com.aparapi.Kernel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsa.core.compute.opencl.Launcher;

/**
 * NSA's fused forward and backward on an OpenCL device through Aparapi, with the contract of
 * {@link NsaKernel}: the same layouts, the same block choice, and outputs and gradients equal to
 * its own up to float rounding. Like it, it takes the window branch's keys and values apart
 * from the selected branch's (kWin, vWin beside k, v) and gives their gradients apart.
 *
 * <p><b>Work items.</b> The forward is one item per (query row, kv head) doing every query head
 * of the group ({@link NsaForwardKernel}). The backward runs three kernels: dq, dgates and the
 * row terms per (query row, kv head) ({@link NsaQueryGradientKernel}); dk, dv, dkWin, dvWin per
 * (key, kv head), gathering over an inverted index of the rows that selected the key's block,
 * built here on the host in row order, then over the rows whose window covers the key
 * ({@link NsaKeyGradientKernel}); dkc, dvc per (compressed token, kv head), over every row that
 * sees the token ({@link NsaCompressedGradientKernel}).
 *
 * <p><b>Determinism.</b> Every output element has one writer, which adds its terms in an
 * order fixed by the data alone; there are no atomics. Results are bit-identical from run to
 * run on one device. Device memory beyond the inputs and outputs is
 * {@code O(T * Hkv * (blocks + n))}: the forward's selection-block scores and top lists, and the
 * backward's inverted index.
 *
 * <p>An instance builds its four kernels once, in the constructor, and runs each once on a
 * one-token problem there (Aparapi crashes the JVM when it disposes a kernel that never ran, and
 * the first launch makes the device finish compiling). A kernel that cannot be built, or a call
 * whose kernel did not run on the device, throws: Aparapi's Java fallback never computes a
 * result here. Calls on one instance are serialised; close it to free the device resources.
 */
public final class OpenClNsaKernel implements AutoCloseable {
    /** Work-group size; ranges are padded to a multiple and the kernels skip the padding. */
    private static final int GROUP = 64;
    /** Sizes whose one-token problem gives every kernel at least one item. */
    private static final NsaKernel.Sizes WARM_UP = new NsaKernel.Sizes(1, 1, 1, 1,
            new NsaParams(1, 1, 1, 1, 1, 0, 0));

    private final Launcher launcher;
    private final NsaForwardKernel forwardKernel = new NsaForwardKernel();
    private final NsaQueryGradientKernel queryGradientKernel = new NsaQueryGradientKernel();
    private final NsaKeyGradientKernel keyGradientKernel = new NsaKeyGradientKernel();
    private final NsaCompressedGradientKernel compressedGradientKernel =
            new NsaCompressedGradientKernel();
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
    public OpenClNsaKernel() {
        launcher = new Launcher(Launcher.firstDevice().orElseThrow(() ->
                new IllegalStateException("no OpenCL device: " + Launcher.unavailableReason())),
                GROUP, Integer.MAX_VALUE);
        try {
            launcher.build(forwardKernel);
            launcher.build(queryGradientKernel);
            launcher.build(keyGradientKernel);
            launcher.build(compressedGradientKernel);
            float[] one = {0.5f};
            float[] gates = {0.3f, 0.3f, 0.4f};
            NsaKernel.Forward forward = forward(WARM_UP, one, one, one, one, one, one, one,
                    gates);
            backward(WARM_UP, one, one, one, one, one, one, one, gates, forward, one, true,
                    true);
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
     * The forward over the whole sequence, laid out as {@link NsaKernel#forward} gives it.
     *
     * @param k the keys the selected branch reads, {@code [T, Hkv, D]}; v alike
     * @param kWin the keys the window branch reads, {@code [T, Hkv, D]}; vWin alike
     * @throws IllegalArgumentException when an array's length does not fit the sizes, or a
     *     buffer would exceed what Aparapi can size
     * @throws IllegalStateException when closed, or when the kernel did not run on the device
     */
    public synchronized NsaKernel.Forward forward(NsaKernel.Sizes sizes, float[] q, float[] k,
            float[] v, float[] kWin, float[] vWin, float[] kc, float[] vc, float[] gates) {
        requireOpen();
        requireInputs(sizes, q, k, v, kWin, vWin, kc, vc, gates);
        int length = sizes.length();
        int hq = sizes.queryHeads();
        int hkv = sizes.kvHeads();
        int dim = sizes.dim();
        int count = sizes.params().selectCount();
        requireBuffer("branches", (long) length * hq * 3 * dim, Float.BYTES);
        requireBuffer("selection scores", (long) length * hkv * sizes.blocks(), Double.BYTES);
        requireBuffer("selected", (long) length * hkv * count, Integer.BYTES);
        float[] o = new float[length * hq * dim];
        float[] branches = new float[length * hq * 3 * dim];
        float[] lse = new float[length * hq * 3];
        int[] selected = new int[length * hkv * count];
        int[] best = new int[selected.length];
        double[] blockScores = new double[length * hkv * sizes.blocks()];
        float[] kcIn = nonEmpty(kc);
        float[] vcIn = nonEmpty(vc);
        forwardKernel.bind(sizes, q, k, v, kWin, vWin, kcIn, vcIn, gates, o, branches, lse,
                selected, best, blockScores);
        forwardKernel.put(q).put(k).put(v).put(kWin).put(vWin).put(kcIn).put(vcIn).put(gates);
        launch(forwardKernel, length * hkv);
        forwardKernel.get(o).get(branches).get(lse).get(selected);
        return new NsaKernel.Forward(0, length, o, branches, lse, selected);
    }

    /**
     * The gradients of {@code sum(o * dout)} from a whole-sequence forward (its branches, lse
     * and selected ids; o is not read).
     *
     * @param keys whether dk, dv, dkWin and dvWin are wanted
     * @param compressed whether dkc and dvc are wanted
     * @throws IllegalArgumentException when the forward is not of the whole sequence, an
     *     array's length does not fit the sizes, or a buffer would exceed what Aparapi can size
     * @throws IllegalStateException when closed, or when a kernel did not run on the device
     */
    public synchronized NsaKernel.Gradients backward(NsaKernel.Sizes sizes, float[] q, float[] k,
            float[] v, float[] kWin, float[] vWin, float[] kc, float[] vc, float[] gates,
            NsaKernel.Forward forward, float[] dout, boolean keys, boolean compressed) {
        requireOpen();
        requireInputs(sizes, q, k, v, kWin, vWin, kc, vc, gates);
        int length = sizes.length();
        int hq = sizes.queryHeads();
        int hkv = sizes.kvHeads();
        int dim = sizes.dim();
        if (forward.fromRow() != 0 || forward.toRow() != length) {
            throw new IllegalArgumentException("nsa opencl kernel: the backward needs the "
                    + "forward of every row");
        }
        sizes.require("dout", dout.length, (long) length * hq * dim);
        sizes.require("branches", forward.branches().length, (long) length * hq * 3 * dim);
        sizes.require("lse", forward.lse().length, (long) length * hq * 3);
        sizes.require("selected", forward.selected().length,
                (long) length * hkv * sizes.params().selectCount());
        float[] branches = forward.branches();
        float[] lse = forward.lse();
        int[] selected = forward.selected();
        float[] dq = new float[length * hq * dim];
        float[] dgates = new float[length * hq * 3];
        float[] delta = new float[dgates.length];
        float[] kcIn = nonEmpty(kc);
        float[] vcIn = nonEmpty(vc);
        queryGradientKernel.bind(sizes, q, k, v, kWin, vWin, kcIn, vcIn, gates, branches, lse,
                selected, dout, dq, dgates, delta);
        queryGradientKernel.put(q).put(k).put(v).put(kWin).put(vWin).put(kcIn).put(vcIn)
                .put(gates).put(branches).put(lse).put(selected).put(dout);
        launch(queryGradientKernel, length * hkv);
        queryGradientKernel.get(dq).get(dgates).get(delta);
        float[] dk = null;
        float[] dv = null;
        float[] dkWin = null;
        float[] dvWin = null;
        if (keys) {
            int[] rowStart = rowStart(sizes, selected);
            int[] rows = rows(sizes, selected, rowStart);
            dk = new float[k.length];
            dv = new float[k.length];
            dkWin = new float[k.length];
            dvWin = new float[k.length];
            keyGradientKernel.bind(sizes, q, k, v, kWin, vWin, gates, lse, dout, delta,
                    rowStart, rows, dk, dv, dkWin, dvWin);
            keyGradientKernel.put(q).put(k).put(v).put(kWin).put(vWin).put(gates).put(lse)
                    .put(dout).put(delta).put(rowStart).put(rows);
            launch(keyGradientKernel, length * hkv);
            keyGradientKernel.get(dk).get(dv).get(dkWin).get(dvWin);
        }
        float[] dkc = null;
        float[] dvc = null;
        if (compressed) {
            dkc = new float[kc.length];
            dvc = new float[kc.length];
            if (kc.length > 0) {
                compressedGradientKernel.bind(sizes, q, kc, vc, gates, lse, dout, delta, dkc,
                        dvc);
                compressedGradientKernel.put(q).put(kc).put(vc).put(gates).put(lse).put(dout)
                        .put(delta);
                launch(compressedGradientKernel, sizes.compressed() * hkv);
                compressedGradientKernel.get(dkc).get(dvc);
            }
        }
        return new NsaKernel.Gradients(dq, dk, dv, dkWin, dvWin, dkc, dvc, dgates);
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
     * The inverted index's offsets: the rows that selected block j for kv head g are
     * {@code rows[start[g * blocks + j] .. start[g * blocks + j + 1])}.
     */
    private static int[] rowStart(NsaKernel.Sizes sizes, int[] selected) {
        int hkv = sizes.kvHeads();
        int blocks = sizes.blocks();
        int count = sizes.params().selectCount();
        int[] start = new int[hkv * blocks + 1];
        for (int t = 0; t < sizes.length(); t++) {
            for (int g = 0; g < hkv; g++) {
                for (int c = 0; c < count; c++) {
                    int block = selected[(t * hkv + g) * count + c];
                    if (block >= 0) {
                        start[g * blocks + block + 1]++;
                    }
                }
            }
        }
        for (int i = 0; i < hkv * blocks; i++) {
            start[i + 1] += start[i];
        }
        return start;
    }

    /** The inverted index's rows, ascending within each (kv head, block); never empty. */
    private static int[] rows(NsaKernel.Sizes sizes, int[] selected, int[] start) {
        int hkv = sizes.kvHeads();
        int blocks = sizes.blocks();
        int count = sizes.params().selectCount();
        int[] rows = new int[Math.max(1, start[hkv * blocks])];
        int[] fill = Arrays.copyOf(start, hkv * blocks);
        for (int t = 0; t < sizes.length(); t++) {
            for (int g = 0; g < hkv; g++) {
                for (int c = 0; c < count; c++) {
                    int block = selected[(t * hkv + g) * count + c];
                    if (block >= 0) {
                        rows[fill[g * blocks + block]++] = t;
                    }
                }
            }
        }
        return rows;
    }

    /** The array, or one zero where it is empty: a device buffer cannot be. */
    private static float[] nonEmpty(float[] x) {
        return x.length == 0 ? new float[1] : x;
    }

    private static void requireInputs(NsaKernel.Sizes sizes, float[] q, float[] k, float[] v,
            float[] kWin, float[] vWin, float[] kc, float[] vc, float[] gates) {
        long rows = (long) sizes.length() * sizes.queryHeads();
        long keys = (long) sizes.length() * sizes.kvHeads() * sizes.dim();
        long compressed = (long) sizes.compressed() * sizes.kvHeads() * sizes.dim();
        sizes.require("q", q.length, rows * sizes.dim());
        sizes.require("k", k.length, keys);
        sizes.require("v", v.length, keys);
        sizes.require("kWin", kWin.length, keys);
        sizes.require("vWin", vWin.length, keys);
        sizes.require("kc", kc.length, compressed);
        sizes.require("vc", vc.length, compressed);
        sizes.require("gates", gates.length, rows * 3);
    }

    /** Aparapi sizes buffers in int bytes. */
    private static void requireBuffer(String name, long elements, int bytes) {
        if (elements * bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("nsa opencl kernel: the " + name + " buffer ("
                    + elements + " values) exceeds the 2 GiB an OpenCL buffer may have here");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenClNsaKernel is closed");
        }
    }
}
