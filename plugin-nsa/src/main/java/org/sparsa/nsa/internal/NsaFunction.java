package org.sparsa.nsa.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * NSA's three branches as one differentiable function, so that {@link NsaKernel} joins the
 * autograd graph: inputs q {@code [T, Hq, D]}, k and v {@code [T, Hkv, D]}, the compressed keys
 * and values kc and vc {@code [Nc, Hkv, D]} and the gates {@code [T, Hq, 3]}; one output o
 * {@code [T, Hq, D]}. {@link #attend} adds the compression in front, as autograd ops, and is the
 * fast path beside {@link NsaReference}, choosing the same blocks.
 *
 * <p>The forward saves the inputs, each branch's output and log-sum-exp and the selected blocks;
 * the backward recomputes the probabilities from them. The kernel runs in Java on whatever
 * backend the graph is on.
 */
public final class NsaFunction implements DifferentiableFunction {
    private static final String NAME = "nsa";
    private static final int INPUTS = 6;

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
        NsaKernel.Sizes sizes = sizes(inputs[0].shape(), inputs[1].shape(), inputs[2].shape(),
                inputs[3].shape(), inputs[4].shape(), inputs[5].shape());
        NsaKernel.Forward result = NsaKernel.forward(sizes, data(inputs[0]), data(inputs[1]),
                data(inputs[2]), data(inputs[3]), data(inputs[4]), data(inputs[5]));
        int length = sizes.length();
        int hq = sizes.queryHeads();
        int[] ids = result.selected();
        float[] idsAsFloats = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            idsAsFloats[i] = ids[i]; // exact: ids are far below 2^24
        }
        Tensor output = context.tensor(result.o(), inputs[0].shape());
        context.save(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5],
                context.tensor(result.branches(), length, hq, 3, sizes.dim()),
                context.tensor(result.lse(), length, hq, 3),
                context.tensor(idsAsFloats, length, sizes.kvHeads(),
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
        NsaKernel.Sizes sizes = sizes(shapes[0], shapes[1], shapes[2], shapes[3], shapes[4],
                shapes[5]);
        float[] idsAsFloats = data(saved.get(INPUTS + 2));
        int[] ids = new int[idsAsFloats.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) idsAsFloats[i];
        }
        NsaKernel.Forward forward = new NsaKernel.Forward(0, sizes.length(), null,
                data(saved.get(INPUTS)), data(saved.get(INPUTS + 1)), ids);
        NsaKernel.Gradients g = NsaKernel.backward(sizes, data(saved.get(0)),
                data(saved.get(1)), data(saved.get(2)), data(saved.get(3)),
                data(saved.get(4)), data(saved.get(5)), forward, data(gradient),
                want[1] || want[2], want[3] || want[4]);
        float[][] values = {g.dq(), g.dk(), g.dv(), g.dkc(), g.dvc(), g.dgates()};
        Tensor[] out = new Tensor[INPUTS];
        for (int i = 0; i < INPUTS; i++) {
            out[i] = want[i] ? context.tensor(values[i], shapes[i]) : null;
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
