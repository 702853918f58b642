package org.sparsa.nsa.internal;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * NSA's three branches as one differentiable function, so that {@link NsaKernel} joins the
 * autograd graph: inputs q {@code [T, Hq, D]}, k and v {@code [T, Hkv, D]}, the compressed keys
 * and values kc and vc {@code [Nc, Hkv, D]} and the gates {@code [T, Hq, 3]}; one output o
 * {@code [T, Hq, D]}. Each may carry a leading batch axis, all alike: the sequences of a batch
 * run side by side in one node. {@link #attend} adds the compression in front, as autograd ops, and is the
 * fast path beside {@link NsaReference}, choosing the same blocks.
 *
 * <p>The forward saves the inputs, each branch's output and log-sum-exp and the selected blocks;
 * the backward recomputes the probabilities from them. On the {@code OPENCL} backend, when a
 * device is present, the sequences go through one {@link OpenClNsaKernel} shared by every call
 * (building its kernels takes seconds), made on the first such call under a lock and closed at
 * JVM exit or by {@link #releaseOpenCl()}; on {@code JAVA} they go through {@link NsaKernel}.
 */
public final class NsaFunction implements DifferentiableFunction {
    private static final String NAME = "nsa";
    private static final int INPUTS = 6;
    private static final Object OPENCL_LOCK = new Object();
    /** The shared OpenCL kernels; null until the first OpenCL call and after a release. */
    private static OpenClNsaKernel openCl;
    private static boolean exitHookAdded;

    private final NsaParams params;
    /** The blocks the last forward selected, for callers that need the choice. */
    private volatile int[] selected;

    /** @param params the NSA sizes */
    public NsaFunction(NsaParams params) {
        this.params = params;
    }

    /**
     * The selected block ids {@code [T, Hkv, n]} of this function's last forward, sorted
     * ascending and padded with -1; null before the first.
     */
    public int[] selected() {
        int[] last = selected;
        return last == null ? null : last.clone();
    }

    /**
     * NSA over a whole sequence, causal, as {@link NsaReference#forward} computes it: the
     * compression is the reference's own step 1 in autograd ops, the branches are the kernel.
     * Takes and gives what the reference does.
     *
     * @throws IllegalArgumentException when the shapes do not fit together or with the params
     */
    public static NsaReference.Result attend(Variable q, Variable k, Variable v, Variable gates,
            Variable wk, Variable wv, Variable pek, Variable pev, NsaParams params) {
        Ops ops = q.ops();
        NsaReference.Shapes shape = NsaReference.Shapes.of(q, k, v, gates, wk, wv, pek, pev,
                params);
        int compressed = params.compressedTokens(shape.length());
        Variable kc;
        Variable vc;
        if (compressed > 0) {
            kc = compressed(ops, k, wk, pek, params, shape, compressed);
            vc = compressed(ops, v, wv, pev, params, shape, compressed);
        } else {
            // Nothing to compress: empty tensors, so no gradient reaches the parameters, as in
            // the reference.
            kc = ops.constant(new float[0], 0, shape.kvHeads(), shape.dim());
            vc = kc;
        }
        return attend(q, k, v, kc, vc, gates, params);
    }

    /**
     * NSA's three branches over a whole sequence whose compressed keys and values
     * {@code kc, vc [Nc, Hkv, D]} are already made (by any compressor), as one node of the
     * graph.
     */
    public static NsaReference.Result attend(Variable q, Variable k, Variable v, Variable kc,
            Variable vc, Variable gates, NsaParams params) {
        NsaFunction function = new NsaFunction(params);
        Variable o = q.ops().apply(function, q, k, v, kc, vc, gates).get(0);
        return new NsaReference.Result(o, function.selected);
    }

    /** The reference's compression of x {@code [T, Hkv, D]}, laid out {@code [Nc, Hkv, D]}. */
    private static Variable compressed(Ops ops, Variable x, Variable weights, Variable position,
            NsaParams params, NsaReference.Shapes shape, int compressed) {
        Variable perHead = ops.reshape(ops.permute(x, 1, 0, 2), shape.kvHeads(), 1,
                shape.length(), shape.dim());
        Variable tokens = NsaReference.compress(ops, perHead, weights, position, params,
                compressed);
        return ops.permute(ops.reshape(tokens, shape.kvHeads(), compressed, shape.dim()),
                1, 0, 2);
    }

    @Override
    public Tensor[] forward(FunctionContext context, Tensor... inputs) {
        if (inputs.length != INPUTS) {
            throw new IllegalArgumentException(NAME + ": expected 6 inputs (q, k, v, kc, vc, "
                    + "gates), found " + inputs.length);
        }
        int batch = batch(inputs[0].shape());
        NsaKernel.Sizes sizes = sizes(sequence(inputs[0].shape()), sequence(inputs[1].shape()),
                sequence(inputs[2].shape()), sequence(inputs[3].shape()),
                sequence(inputs[4].shape()), sequence(inputs[5].shape()));
        float[][] data = new float[INPUTS][];
        for (int i = 0; i < INPUTS; i++) {
            data[i] = data(inputs[i]);
        }
        // Sequences are independent: each runs on its own slices, and the results join in
        // batch order, so the outcome does not depend on which thread ran which.
        NsaKernel.Forward[] results = new NsaKernel.Forward[batch];
        OpenClNsaKernel device = openClFor(context.backend());
        if (device != null) {
            for (int b = 0; b < batch; b++) {
                float[] k = part(data[1], b, batch);
                float[] v = part(data[2], b, batch);
                results[b] = device.forward(sizes, part(data[0], b, batch), k, v, k, v,
                        part(data[3], b, batch), part(data[4], b, batch),
                        part(data[5], b, batch));
            }
        } else {
            IntStream.range(0, batch).parallel().forEach(b -> results[b] = NsaKernel.forward(
                    sizes, part(data[0], b, batch), part(data[1], b, batch),
                    part(data[2], b, batch), part(data[3], b, batch), part(data[4], b, batch),
                    part(data[5], b, batch)));
        }
        int length = sizes.length();
        int hq = sizes.queryHeads();
        float[] o = join(results, NsaKernel.Forward::o);
        float[] branches = join(results, NsaKernel.Forward::branches);
        float[] lse = join(results, NsaKernel.Forward::lse);
        int[] ids = new int[batch * length * sizes.kvHeads() * params.selectCount()];
        float[] idsAsFloats = new float[ids.length];
        for (int b = 0, at = 0; b < batch; b++) {
            for (int id : results[b].selected()) {
                ids[at] = id;
                idsAsFloats[at++] = id; // exact: ids are far below 2^24
            }
        }
        Tensor output = context.tensor(o, inputs[0].shape());
        context.save(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5],
                context.tensor(branches, batch, length, hq, 3, sizes.dim()),
                context.tensor(lse, batch, length, hq, 3),
                context.tensor(idsAsFloats, batch, length, sizes.kvHeads(),
                        params.selectCount()));
        selected = ids;
        return new Tensor[] {output};
    }

    @Override
    public Tensor[] backward(FunctionContext context, Tensor... outputGradients) {
        var saved = context.saved();
        if (saved.size() != INPUTS + 3) {
            throw new IllegalStateException(NAME + ": backward expects the 9 tensors the "
                    + "forward saved, found " + saved.size());
        }
        int[][] shapes = new int[INPUTS][];
        for (int i = 0; i < INPUTS; i++) {
            shapes[i] = saved.get(i).shape();
        }
        boolean[] want = new boolean[INPUTS];
        boolean any = false;
        for (int i = 0; i < INPUTS; i++) {
            want[i] = context.needsGradient(i);
            any |= want[i];
        }
        Tensor gradient = outputGradients.length == 0 ? null : outputGradients[0];
        if (!any || gradient == null) {
            // No upstream gradient: zeros, shaped like the inputs that want one.
            Tensor[] zeros = new Tensor[INPUTS];
            for (int i = 0; i < INPUTS; i++) {
                zeros[i] = want[i] ? context.tensor(new float[size(shapes[i])], shapes[i]) : null;
            }
            return zeros;
        }
        if (!Arrays.equals(gradient.shape(), shapes[0])) {
            throw new IllegalArgumentException(NAME + ": the output gradient "
                    + Arrays.toString(gradient.shape()) + " must have the shape of o "
                    + Arrays.toString(shapes[0]));
        }
        int batch = batch(shapes[0]);
        NsaKernel.Sizes sizes = sizes(sequence(shapes[0]), sequence(shapes[1]),
                sequence(shapes[2]), sequence(shapes[3]), sequence(shapes[4]),
                sequence(shapes[5]));
        float[][] data = new float[INPUTS + 3][];
        for (int i = 0; i < INPUTS + 3; i++) {
            data[i] = data(saved.get(i));
        }
        float[] dout = data(gradient);
        boolean keys = want[1] || want[2];
        boolean compressed = want[3] || want[4];
        NsaKernel.Gradients[] results = new NsaKernel.Gradients[batch];
        OpenClNsaKernel device = openClFor(context.backend());
        IntStream.range(0, batch).parallel().forEach(b -> {
            float[] idsAsFloats = part(data[INPUTS + 2], b, batch);
            int[] ids = new int[idsAsFloats.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (int) idsAsFloats[i];
            }
            NsaKernel.Forward forward = new NsaKernel.Forward(0, sizes.length(), null,
                    part(data[INPUTS], b, batch), part(data[INPUTS + 1], b, batch), ids);
            if (device != null) {
                results[b] = openClBackward(device, sizes, part(data[0], b, batch),
                        part(data[1], b, batch), part(data[2], b, batch),
                        part(data[3], b, batch), part(data[4], b, batch),
                        part(data[5], b, batch), forward, part(dout, b, batch), keys,
                        compressed);
            } else {
                results[b] = NsaKernel.backward(sizes, part(data[0], b, batch),
                        part(data[1], b, batch), part(data[2], b, batch),
                        part(data[3], b, batch), part(data[4], b, batch),
                        part(data[5], b, batch), forward, part(dout, b, batch), keys,
                        compressed);
            }
        });
        List<Function<NsaKernel.Gradients, float[]>> parts = List.of(NsaKernel.Gradients::dq,
                NsaKernel.Gradients::dk, NsaKernel.Gradients::dv, NsaKernel.Gradients::dkc,
                NsaKernel.Gradients::dvc, NsaKernel.Gradients::dgates);
        Tensor[] out = new Tensor[INPUTS];
        for (int i = 0; i < INPUTS; i++) {
            out[i] = want[i] ? context.tensor(join(results, parts.get(i)), shapes[i]) : null;
        }
        return out;
    }

    // ---- OpenCL dispatch: the shared device kernels, as core's full attention keeps its own.

    /**
     * Closes the shared OpenCL kernels, if built; the next OpenCL call builds them again. For a
     * plugin update, or a test that must free the device; harmless at any time no OpenCL call
     * is running (a running one finishes first: the instance serialises its calls).
     */
    public static void releaseOpenCl() {
        OpenClNsaKernel released;
        synchronized (OPENCL_LOCK) {
            released = openCl;
            openCl = null;
        }
        if (released != null) {
            released.close();
        }
    }

    /** The shared OpenCL kernels for a call on {@code backend}; null where the Java kernel runs. */
    private static OpenClNsaKernel openClFor(BackendKind backend) {
        if (backend != BackendKind.OPENCL) {
            return null;
        }
        synchronized (OPENCL_LOCK) {
            if (openCl == null) {
                if (!OpenClNsaKernel.isAvailable()) {
                    return null;
                }
                openCl = new OpenClNsaKernel();
                if (!exitHookAdded) {
                    exitHookAdded = true;
                    Runtime.getRuntime().addShutdownHook(new Thread(
                            NsaFunction::releaseOpenCl, "sparsa-opencl-nsa-close"));
                }
            }
            return openCl;
        }
    }

    /**
     * One sequence's backward on the device, k and v read by both the selected and the window
     * branch, so that their key gradients add up to the Java kernel's.
     */
    private static NsaKernel.Gradients openClBackward(OpenClNsaKernel device,
            NsaKernel.Sizes sizes, float[] q, float[] k, float[] v, float[] kc, float[] vc,
            float[] gates, NsaKernel.Forward forward, float[] dout, boolean keys,
            boolean compressed) {
        OpenClNsaKernel.Gradients g = device.backward(sizes, q, k, v, k, v, kc, vc, gates,
                forward, dout, keys, compressed);
        return new NsaKernel.Gradients(g.dq(), added(g.dk(), g.dkWin()),
                added(g.dv(), g.dvWin()), g.dkc(), g.dvc(), g.dgates());
    }

    /** {@code a + b} element-wise into a, or null where a is. */
    private static float[] added(float[] a, float[] b) {
        if (a != null) {
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
        }
        return a;
    }

    // ---- end of the OpenCL dispatch.

    /** The sequences in a batch: the leading axis of rank-4 q, else one sequence. */
    private static int batch(int[] q) {
        return q.length == 4 ? q[0] : 1;
    }

    /** One sequence's shape: without the batch axis when there is one. */
    private static int[] sequence(int[] shape) {
        return shape.length == 4 ? Arrays.copyOfRange(shape, 1, 4) : shape;
    }

    /** Sequence {@code b}'s equal share of {@code values}. */
    private static float[] part(float[] values, int b, int batch) {
        int each = values.length / batch;
        return batch == 1 ? values : Arrays.copyOfRange(values, b * each, (b + 1) * each);
    }

    /** The arrays {@code part} takes from each result, one after the other. */
    private static <R> float[] join(R[] results, Function<R, float[]> part) {
        if (results.length == 1) {
            return part.apply(results[0]);
        }
        int total = 0;
        for (R result : results) {
            total += part.apply(result).length;
        }
        float[] out = new float[total];
        int at = 0;
        for (R result : results) {
            float[] values = part.apply(result);
            System.arraycopy(values, 0, out, at, values.length);
            at += values.length;
        }
        return out;
    }

    /** The kernel's sizes from checked input shapes. */
    private NsaKernel.Sizes sizes(int[] q, int[] k, int[] v, int[] kc, int[] vc, int[] gates) {
        String shapes = "q " + Arrays.toString(q) + ", k " + Arrays.toString(k) + ", v "
                + Arrays.toString(v) + ", kc " + Arrays.toString(kc) + ", vc "
                + Arrays.toString(vc) + ", gates " + Arrays.toString(gates);
        if (q.length != 3 || k.length != 3 || !Arrays.equals(k, v) || k[0] != q[0]
                || k[2] != q[2] || k[1] < 1 || q[1] % k[1] != 0) {
            throw new IllegalArgumentException(NAME + ": q must be [T, Hq, D] and k, v "
                    + "[T, Hkv, D] with Hkv dividing Hq; found " + shapes);
        }
        int[] compressed = {params.compressedTokens(q[0]), k[1], k[2]};
        if (!Arrays.equals(kc, compressed) || !Arrays.equals(vc, compressed)) {
            throw new IllegalArgumentException(NAME + ": kc and vc must be [Nc, Hkv, D] = "
                    + Arrays.toString(compressed) + "; found " + shapes);
        }
        if (!Arrays.equals(gates, new int[] {q[0], q[1], 3})) {
            throw new IllegalArgumentException(NAME + ": gates must be [T, Hq, 3]; found "
                    + shapes);
        }
        try {
            return new NsaKernel.Sizes(q[0], q[1], k[1], q[2], params);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(NAME + ": " + e.getMessage() + "; found "
                    + shapes, e);
        }
    }

    private static int size(int[] shape) {
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        return size;
    }

    /** The values of {@code tensor}, without a copy for the framework's own tensors. */
    private static float[] data(Tensor tensor) {
        return DenseTensor.of(tensor).data();
    }
}
