package org.sparsa.dsa.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * DSA's sparse attention (spec step 2) as one differentiable function, so that
 * {@link DsaKernel} joins the autograd graph: inputs q {@code [T, Hq, D]}, k and v
 * {@code [T, Hkv, D]}, all with or all without a leading batch axis; one output o like q. The
 * selection is fixed when the function is made, since no gradient passes through it. The
 * forward saves q, k, v, o and the log-sum-exps; the backward recomputes the probabilities.
 *
 * <p>On the {@code OPENCL} backend, when a device is present, the sequences go through one
 * {@link OpenClDsaKernel} shared by every call (building its kernels takes seconds), made on the
 * first such call under a lock and closed at JVM exit or by {@link #releaseOpenCl()}; on
 * {@code JAVA} they go through {@link DsaKernel}. {@link #select} and {@link #sparseForward}
 * make the same choice of device for the layer's selection and its sparse decode steps.
 */
final class DsaFunction implements DifferentiableFunction {
    private static final String NAME = "dsa sparse attention";
    private static final Object OPENCL_LOCK = new Object();
    /** The shared OpenCL kernels; null until the first OpenCL call and after a release. */
    private static OpenClDsaKernel openCl;
    private static boolean exitHookAdded;

    private final int[] selected;
    private final int topK;

    /**
     * @param selected the selected keys {@code [B, T, topK]} (or {@code [T, topK]}) row-major,
     *     each row ascending and padded with -1
     */
    DsaFunction(int[] selected, int topK) {
        this.selected = selected.clone();
        this.topK = topK;
    }

    /** The sparse attention of q, k, v over {@code selected}, as a node of their graph. */
    static Variable attend(Variable q, Variable k, Variable v, int[] selected, int topK) {
        return q.ops().apply(new DsaFunction(selected, topK), q, k, v).get(0);
    }

    @Override
    public Tensor[] forward(FunctionContext context, Tensor... inputs) {
        if (inputs.length != 3) {
            throw new IllegalArgumentException(NAME + ": expected 3 inputs (q, k, v), found "
                    + inputs.length);
        }
        int[] shape = inputs[0].shape();
        DsaKernel.Sizes sizes = sizes(shape, inputs[1].shape(), inputs[2].shape());
        int batch = shape.length == 4 ? shape[0] : 1;
        float[] q = data(inputs[0]);
        float[] k = data(inputs[1]);
        float[] v = data(inputs[2]);
        float[] o = new float[q.length];
        float[] lse = new float[batch * sizes.queries() * sizes.queryHeads()];
        OpenClDsaKernel device = openClFor(context.backend());
        for (int b = 0; b < batch; b++) {
            DsaKernel.Forward result = device != null
                    ? device.forward(sizes, part(q, b, batch), part(k, b, batch),
                            part(v, b, batch), ids(b, batch))
                    : DsaKernel.forward(sizes, part(q, b, batch), part(k, b, batch),
                            part(v, b, batch), ids(b, batch));
            System.arraycopy(result.o(), 0, o, b * result.o().length, result.o().length);
            System.arraycopy(result.lse(), 0, lse, b * result.lse().length,
                    result.lse().length);
        }
        Tensor output = context.tensor(o, shape);
        context.save(inputs[0], inputs[1], inputs[2], output, context.tensor(lse, lse.length));
        return new Tensor[] {output};
    }

    @Override
    public Tensor[] backward(FunctionContext context, Tensor... outputGradients) {
        var saved = context.saved();
        int[][] shapes = {saved.get(0).shape(), saved.get(1).shape(), saved.get(2).shape()};
        Tensor gradient = outputGradients.length == 0 ? null : outputGradients[0];
        if (gradient == null) {
            Tensor[] zeros = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                zeros[i] = context.needsGradient(i) ? context.tensor(
                        new float[Arrays.stream(shapes[i]).reduce(1, (a, b) -> a * b)],
                        shapes[i]) : null;
            }
            return zeros;
        }
        if (!Arrays.equals(gradient.shape(), shapes[0])) {
            throw new IllegalArgumentException(NAME + ": the output gradient "
                    + Arrays.toString(gradient.shape()) + " must have the shape of o "
                    + Arrays.toString(shapes[0]));
        }
        DsaKernel.Sizes sizes = sizes(shapes[0], shapes[1], shapes[2]);
        int batch = shapes[0].length == 4 ? shapes[0][0] : 1;
        float[] q = data(saved.get(0));
        float[] k = data(saved.get(1));
        float[] v = data(saved.get(2));
        float[] o = data(saved.get(3));
        float[] lse = data(saved.get(4));
        float[] dout = data(gradient);
        float[] dq = new float[q.length];
        float[] dk = new float[k.length];
        float[] dv = new float[v.length];
        OpenClDsaKernel device = openClFor(context.backend());
        for (int b = 0; b < batch; b++) {
            DsaKernel.Forward forward = new DsaKernel.Forward(part(o, b, batch),
                    part(lse, b, batch));
            DsaKernel.Gradients result = device != null
                    ? device.backward(sizes, part(q, b, batch), part(k, b, batch),
                            part(v, b, batch), ids(b, batch), forward, part(dout, b, batch))
                    : DsaKernel.backward(sizes, part(q, b, batch), part(k, b, batch),
                            part(v, b, batch), ids(b, batch), forward, part(dout, b, batch));
            System.arraycopy(result.dq(), 0, dq, b * result.dq().length, result.dq().length);
            System.arraycopy(result.dk(), 0, dk, b * result.dk().length, result.dk().length);
            System.arraycopy(result.dv(), 0, dv, b * result.dv().length, result.dv().length);
        }
        return new Tensor[] {
            context.needsGradient(0) ? context.tensor(dq, shapes[0]) : null,
            context.needsGradient(1) ? context.tensor(dk, shapes[1]) : null,
            context.needsGradient(2) ? context.tensor(dv, shapes[2]) : null};
    }

    /**
     * The selection of one sequence, as {@link DsaKernel#select}, on the device when
     * {@code backend} is {@code OPENCL} and one is present, else in Java.
     */
    static int[] select(BackendKind backend, int queries, int first, int indexHeads,
            int indexDim, int topK, float[] qi, float[] ki, float[] w) {
        OpenClDsaKernel device = openClFor(backend);
        return device != null
                ? device.select(queries, first, indexHeads, indexDim, topK, qi, ki, w)
                : DsaKernel.select(queries, first, indexHeads, indexDim, topK, qi, ki, w);
    }

    /**
     * The sparse attention of one sequence outside the graph (for decoding), as
     * {@link DsaKernel#forward}, on the device when {@code backend} is {@code OPENCL} and one
     * is present, else in Java.
     */
    static DsaKernel.Forward sparseForward(BackendKind backend, DsaKernel.Sizes sizes,
            float[] q, float[] k, float[] v, int[] selected) {
        OpenClDsaKernel device = openClFor(backend);
        return device != null ? device.forward(sizes, q, k, v, selected)
                : DsaKernel.forward(sizes, q, k, v, selected);
    }

    // ---- OpenCL dispatch: the shared device kernels, as NSA and core's full attention keep.

    /**
     * Closes the shared OpenCL kernels, if built; the next OpenCL call builds them again. For a
     * plugin update, or a test that must free the device; harmless at any time no OpenCL call
     * is running (a running one finishes first: the instance serialises its calls).
     */
    static void releaseOpenCl() {
        OpenClDsaKernel released;
        synchronized (OPENCL_LOCK) {
            released = openCl;
            openCl = null;
        }
        if (released != null) {
            released.close();
        }
    }

    /** The shared OpenCL kernels for a call on {@code backend}; null where the Java kernel runs. */
    private static OpenClDsaKernel openClFor(BackendKind backend) {
        if (backend != BackendKind.OPENCL) {
            return null;
        }
        synchronized (OPENCL_LOCK) {
            if (openCl == null) {
                if (!OpenClDsaKernel.isAvailable()) {
                    return null;
                }
                openCl = new OpenClDsaKernel();
                if (!exitHookAdded) {
                    exitHookAdded = true;
                    Runtime.getRuntime().addShutdownHook(new Thread(
                            DsaFunction::releaseOpenCl, "sparsa-opencl-dsa-close"));
                }
            }
            return openCl;
        }
    }

    // ---- end of the OpenCL dispatch.

    /** Sequence {@code b}'s selection. */
    private int[] ids(int b, int batch) {
        int each = selected.length / batch;
        return Arrays.copyOfRange(selected, b * each, (b + 1) * each);
    }

    /** The kernel's sizes from checked shapes of one sequence or a batch of them. */
    private DsaKernel.Sizes sizes(int[] q, int[] k, int[] v) {
        boolean batched = q.length == 4;
        int[] qs = batched ? Arrays.copyOfRange(q, 1, 4) : q;
        int[] ks = k.length == 4 ? Arrays.copyOfRange(k, 1, 4) : k;
        int batch = batched ? q[0] : 1;
        boolean fits = (q.length == 3 || batched) && k.length == q.length
                && Arrays.equals(k, v) && (!batched || k[0] == q[0]) && ks[0] == qs[0]
                && ks[2] == qs[2] && ks[1] > 0 && qs[1] % ks[1] == 0
                && selected.length == batch * qs[0] * topK;
        if (!fits) {
            throw new IllegalArgumentException(NAME + ": expected q [B, T, Hq, D], k and v "
                    + "[B, T, Hkv, D] (or all without B) with Hkv dividing Hq, and B x T x "
                    + topK + " selected ids; found q " + Arrays.toString(q) + ", k "
                    + Arrays.toString(k) + ", v " + Arrays.toString(v) + " and "
                    + selected.length + " ids");
        }
        return new DsaKernel.Sizes(qs[0], qs[0], qs[1], ks[1], qs[2], topK);
    }

    /** Sequence {@code b}'s equal share of {@code values}. */
    private static float[] part(float[] values, int b, int batch) {
        int each = values.length / batch;
        return batch == 1 ? values : Arrays.copyOfRange(values, b * each, (b + 1) * each);
    }

    /** The values of {@code tensor}, without a copy for the framework's own tensors. */
    private static float[] data(Tensor tensor) {
        return DenseTensor.of(tensor).data();
    }
}
