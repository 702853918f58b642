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
 * autograd graph: inputs q {@code [T, Hq, D]}, the selected branch's keys and values k and v
 * and the window branch's kWin and vWin {@code [T, Hkv, D]}, the compressed keys and values kc
 * and vc {@code [Nc, Hkv, D]} and the gates {@code [T, Hq, 3]}; one output o {@code [T, Hq, D]}.
 * Each may carry a leading batch axis, all alike: the sequences of a batch run side by side in
 * one node. {@link #attend} adds the compression in front, as autograd ops, and is the fast path
 * beside {@link NsaReference}, choosing the same blocks.
 *
 * <p>Branches that share their keys pass one variable as both k and kWin (and v and vWin): the
 * kernel sees the same arrays and packs them once, and the backward gives each input its
 * branch's gradient, which autograd adds up for the variable, as for any variable an op reads
 * twice.
 *
 * <p>The forward saves the inputs, each branch's output and log-sum-exp and the selected blocks;
 * the backward recomputes the probabilities from them. On the {@code OPENCL} backend, when a
 * device is present, the sequences go through one {@link OpenClNsaKernel} shared by every call
 * (building its kernels takes seconds), made on the first such call under a lock and closed at
 * JVM exit or by {@link #releaseOpenCl()}; on {@code JAVA} they go through {@link NsaKernel}.
 */
public final class NsaFunction implements DifferentiableFunction {
    private static final String NAME = "nsa";
    private static final int INPUTS = 8;
    private static final String INPUT_NAMES = "q, k, v, kWin, vWin, kc, vc, gates";
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
     * NSA over a whole sequence, causal, every branch reading k and v, as
     * {@link NsaReference#forward} computes it: the compression is the reference's own step 1 in
     * autograd ops, the branches are the kernel. Takes and gives what the reference does.
     *
     * @throws IllegalArgumentException when the shapes do not fit together or with the params
     */
    public static NsaReference.Result attend(Variable q, Variable k, Variable v, Variable gates,
            Variable wk, Variable wv, Variable pek, Variable pev, NsaParams params) {
        return attend(q, k, v, k, v, gates, wk, wv, pek, pev, params);
    }

    /**
     * NSA over a whole sequence, causal, the window branch reading keys and values of its own,
     * as the reference's {@link NsaReference#forward(Variable, Variable, Variable, Variable,
     * Variable, Variable, Variable, Variable, Variable, Variable, NsaParams) overload} for them
     * computes it.
     *
     * @throws IllegalArgumentException when the shapes do not fit together or with the params
     */
    public static NsaReference.Result attend(Variable q, Variable k, Variable v, Variable kWin,
            Variable vWin, Variable gates, Variable wk, Variable wv, Variable pek, Variable pev,
            NsaParams params) {
        Ops ops = q.ops();
        NsaReference.Shapes shape = NsaReference.Shapes.of(q, k, v, gates, wk, wv, pek, pev,
                params);
        NsaReference.Shapes.requireLike(k, kWin, "kWin");
        NsaReference.Shapes.requireLike(k, vWin, "vWin");
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
        return attendBranches(q, k, v, kWin, vWin, kc, vc, gates, params);
    }

    /**
     * NSA's three branches over a whole sequence whose compressed keys and values
     * {@code kc, vc [Nc, Hkv, D]} are already made (by any compressor), the selected and window
     * branches both reading k and v, as one node of the graph.
     */
    public static NsaReference.Result attend(Variable q, Variable k, Variable v, Variable kc,
            Variable vc, Variable gates, NsaParams params) {
        return attendBranches(q, k, v, k, v, kc, vc, gates, params);
    }

    /**
     * NSA's three branches over a whole sequence as one node of the graph, each branch reading
     * its own keys and values: the selected branch k and v, the window kWin and vWin (the same
     * variables where the branches share them), the compressed branch kc and vc
     * {@code [Nc, Hkv, D]}, made by any compressor from whichever keys the layer compresses.
     */
    public static NsaReference.Result attendBranches(Variable q, Variable k, Variable v,
            Variable kWin, Variable vWin, Variable kc, Variable vc, Variable gates,
            NsaParams params) {
        NsaFunction function = new NsaFunction(params);
        Variable o = q.ops().apply(function, q, k, v, kWin, vWin, kc, vc, gates).get(0);
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
    public Tensor[] forward(FunctionContext context, Tensor... given) {
        if (given.length != INPUTS) {
            throw new IllegalArgumentException(NAME + ": expected " + INPUTS + " inputs ("
                    + INPUT_NAMES + "), found " + given.length);
        }
        Tensor[] inputs = dense(given);
        int batch = batch(inputs[0].shape());
        NsaKernel.Sizes sizes = sizes(shapes(inputs));
        float[][] data = new float[INPUTS][];
        for (int i = 0; i < INPUTS; i++) {
            data[i] = data(inputs[i]);
        }
        // Sequences are independent: each runs on its own slices, and the results join in
        // batch order, so the outcome does not depend on which thread ran which.
        NsaKernel.Forward[] results = new NsaKernel.Forward[batch];
        OpenClNsaKernel device = openClFor(context.backend());
        if (device != null) {
            // One device: the sequences take turns on it.
            for (int b = 0; b < batch; b++) {
                float[][] in = sequenceParts(data, b, batch);
                results[b] = device.forward(sizes, in[0], in[1], in[2], in[3], in[4], in[5],
                        in[6], in[7]);
            }
        } else {
            IntStream.range(0, batch).parallel().forEach(b -> {
                float[][] in = sequenceParts(data, b, batch);
                results[b] = NsaKernel.forward(sizes, in[0], in[1], in[2], in[3], in[4], in[5],
                        in[6], in[7]);
            });
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
                inputs[6], inputs[7],
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
            throw new IllegalStateException(NAME + ": backward expects the " + (INPUTS + 3)
                    + " tensors the forward saved, found " + saved.size());
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
        NsaKernel.Sizes sizes = sizes(shapes);
        float[][] data = new float[INPUTS + 3][];
        for (int i = 0; i < INPUTS + 3; i++) {
            data[i] = data(saved.get(i));
        }
        float[] dout = data(gradient);
        boolean keys = want[1] || want[2] || want[3] || want[4];
        boolean compressed = want[5] || want[6];
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
            float[][] in = sequenceParts(data, b, batch);
            results[b] = device != null
                    ? device.backward(sizes, in[0], in[1], in[2], in[3], in[4], in[5], in[6],
                            in[7], forward, part(dout, b, batch), keys, compressed)
                    : NsaKernel.backward(sizes, in[0], in[1], in[2], in[3], in[4], in[5],
                            in[6], in[7], forward, part(dout, b, batch), keys, compressed);
        });
        // In input order: the kernel gives each branch's key gradients apart.
        List<Function<NsaKernel.Gradients, float[]>> parts = List.of(NsaKernel.Gradients::dq,
                NsaKernel.Gradients::dk, NsaKernel.Gradients::dv, NsaKernel.Gradients::dkWin,
                NsaKernel.Gradients::dvWin, NsaKernel.Gradients::dkc, NsaKernel.Gradients::dvc,
                NsaKernel.Gradients::dgates);
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

    // ---- end of the OpenCL dispatch.

    /** The sequences in a batch: the leading axis of rank-4 q, else one sequence. */
    private static int batch(int[] q) {
        return q.length == 4 ? q[0] : 1;
    }

    /** One sequence's shape: without the batch axis when there is one. */
    private static int[] sequence(int[] shape) {
        return shape.length == 4 ? Arrays.copyOfRange(shape, 1, 4) : shape;
    }

    /**
     * The inputs as the framework's own tensors, the window's keys and values the very tensors
     * of the selected branch's where they are the same input: a copy for another kind of tensor
     * must not split them, so that the saved ones still show the sharing to the backward.
     */
    private static Tensor[] dense(Tensor[] inputs) {
        Tensor[] dense = new Tensor[INPUTS];
        for (int i = 0; i < INPUTS; i++) {
            dense[i] = DenseTensor.of(inputs[i]);
        }
        if (inputs[3] == inputs[1]) {
            dense[3] = dense[1];
        }
        if (inputs[4] == inputs[2]) {
            dense[4] = dense[2];
        }
        return dense;
    }

    /** The shapes of the inputs, batch axes included. */
    private static int[][] shapes(Tensor[] inputs) {
        int[][] shapes = new int[INPUTS][];
        for (int i = 0; i < INPUTS; i++) {
            shapes[i] = inputs[i].shape();
        }
        return shapes;
    }

    /**
     * Sequence {@code b}'s share of each input, the window's keys and values the very arrays of
     * the selected branch's where the inputs share them, so the kernel sees them shared.
     */
    private static float[][] sequenceParts(float[][] data, int b, int batch) {
        float[][] parts = new float[INPUTS][];
        for (int i = 0; i < INPUTS; i++) {
            parts[i] = part(data[i], b, batch);
        }
        if (data[3] == data[1]) {
            parts[3] = parts[1];
        }
        if (data[4] == data[2]) {
            parts[4] = parts[2];
        }
        return parts;
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

    /** The kernel's sizes from checked input shapes, in input order, batch axes included. */
    private NsaKernel.Sizes sizes(int[][] inputShapes) {
        int[][] each = new int[INPUTS][];
        for (int i = 0; i < INPUTS; i++) {
            each[i] = sequence(inputShapes[i]);
        }
        int[] q = each[0];
        int[] k = each[1];
        int[] kc = each[5];
        int[] vc = each[6];
        int[] gates = each[7];
        String[] names = INPUT_NAMES.split(", ");
        StringBuilder found = new StringBuilder();
        for (int i = 0; i < INPUTS; i++) {
            found.append(i == 0 ? "" : ", ").append(names[i]).append(' ')
                    .append(Arrays.toString(each[i]));
        }
        String shapes = found.toString();
        if (q.length != 3 || k.length != 3 || !Arrays.equals(k, each[2])
                || !Arrays.equals(k, each[3]) || !Arrays.equals(k, each[4]) || k[0] != q[0]
                || k[2] != q[2] || k[1] < 1 || q[1] % k[1] != 0) {
            throw new IllegalArgumentException(NAME + ": q must be [T, Hq, D] and k, v, kWin, "
                    + "vWin [T, Hkv, D] with Hkv dividing Hq; found " + shapes);
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
