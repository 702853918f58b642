package org.sparsa.dsa.internal;

import java.util.Arrays;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * The indexer's KL loss (spec step 3, or step 4 when made with a selection) as one
 * differentiable function over {@link IndexerKernel}: inputs q {@code [T, Hq, D]}, k
 * {@code [T, Hkv, D]}, qi {@code [T, HI, dI]}, ki {@code [T, dI]} and w {@code [T, HI]}, all
 * with or all without a leading batch axis; one output, the mean of the KL over every query of
 * the batch, {@code [1]}. q and k are the detached teacher and get no gradient; qi, ki and w get
 * theirs. The forward keeps only per-row statistics; the backward recomputes the scores.
 *
 * <p>On the {@code OPENCL} backend, when a device is present, the sequences go through one
 * {@link OpenClIndexerKernel} shared by every call (building its kernels takes seconds), made on
 * the first such call under a lock and closed at JVM exit or by {@link #releaseOpenCl()}; on
 * {@code JAVA} they go through {@link IndexerKernel}.
 */
final class IndexerLossFunction implements DifferentiableFunction {
    private static final String NAME = "dsa indexer loss";
    private static final Object OPENCL_LOCK = new Object();
    /** The shared OpenCL kernels; null until the first OpenCL call and after a release. */
    private static OpenClIndexerKernel openCl;
    private static boolean exitHookAdded;

    private final int[] selected;
    private final int topK;

    /**
     * @param selected the selection {@code [B, T, topK]} (or {@code [T, topK]}) row-major, each
     *     row ascending and padded with -1; empty, with {@code topK} 0, for the dense loss
     */
    IndexerLossFunction(int[] selected, int topK) {
        this.selected = selected.clone();
        this.topK = topK;
    }

    /** The dense warm-up loss of a sequence or batch, as a node of the indexer's graph. */
    static Variable dense(Variable q, Variable k, Variable qi, Variable ki, Variable w) {
        return apply(new IndexerLossFunction(new int[0], 0), q, k, qi, ki, w);
    }

    /** The sparse-stage loss over {@code selected} ({@code [B, T, topK]} or {@code [T, topK]}). */
    static Variable sparse(Variable q, Variable k, Variable qi, Variable ki, Variable w,
            int[] selected, int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException(NAME + ": top_k must be at least 1, found "
                    + topK);
        }
        return apply(new IndexerLossFunction(selected, topK), q, k, qi, ki, w);
    }

    private static Variable apply(IndexerLossFunction function, Variable q, Variable k,
            Variable qi, Variable ki, Variable w) {
        Ops ops = q.ops();
        // The teacher is detached, as the spec requires: the loss must not move q or k.
        return ops.apply(function, ops.detach(q), ops.detach(k), qi, ki, w).get(0);
    }

    @Override
    public Tensor[] forward(FunctionContext context, Tensor... inputs) {
        if (inputs.length != 5) {
            throw new IllegalArgumentException(NAME + ": expected 5 inputs (q, k, qi, ki, w), "
                    + "found " + inputs.length);
        }
        Layout layout = layout(inputs);
        float[][] data = new float[5][];
        for (int i = 0; i < 5; i++) {
            data[i] = data(inputs[i]);
        }
        int rows = layout.batch() * layout.sizes().length();
        float[] kl = new float[rows];
        float[] teacherLse = new float[rows * layout.sizes().queryHeads()];
        float[] studentLse = new float[rows];
        OpenClIndexerKernel device = openClFor(context.backend());
        for (int b = 0; b < layout.batch(); b++) {
            IndexerKernel.Inputs sequence = sequence(data, b, layout.batch());
            // One device, or the Java kernel's own threads: the sequences take turns.
            IndexerKernel.Forward result = device != null
                    ? device.forward(layout.sizes(), sequence)
                    : IndexerKernel.forward(layout.sizes(), sequence);
            copy(result.kl(), kl, b);
            copy(result.teacherLse(), teacherLse, b);
            copy(result.studentLse(), studentLse, b);
        }
        // Summed in row order, so the loss is fixed however the rows were computed.
        double total = 0;
        for (float value : kl) {
            total += value;
        }
        Tensor loss = context.tensor(new float[] {(float) (total / rows)}, 1);
        context.save(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4],
                context.tensor(kl, rows), context.tensor(teacherLse, teacherLse.length),
                context.tensor(studentLse, rows));
        return new Tensor[] {loss};
    }

    @Override
    public Tensor[] backward(FunctionContext context, Tensor... outputGradients) {
        var saved = context.saved();
        Tensor[] inputs = saved.subList(0, 5).toArray(new Tensor[0]);
        Layout layout = layout(inputs);
        Tensor gradient = outputGradients.length == 0 ? null : outputGradients[0];
        float upstream = gradient == null ? 0 : gradient.toArray()[0];
        float[][] data = new float[5][];
        for (int i = 0; i < 5; i++) {
            data[i] = data(inputs[i]);
        }
        int length = layout.sizes().length();
        float[] kl = data(saved.get(5));
        float[] teacherLse = data(saved.get(6));
        float[] studentLse = data(saved.get(7));
        float rowGradient = upstream / (layout.batch() * length);
        float[][] gradients = {new float[data[2].length], new float[data[3].length],
            new float[data[4].length]};
        OpenClIndexerKernel device = openClFor(context.backend());
        for (int b = 0; b < layout.batch(); b++) {
            IndexerKernel.Inputs sequence = sequence(data, b, layout.batch());
            IndexerKernel.Forward forward = new IndexerKernel.Forward(
                    part(kl, b, layout.batch()), part(teacherLse, b, layout.batch()),
                    part(studentLse, b, layout.batch()));
            IndexerKernel.Gradients result = device != null
                    ? device.backward(layout.sizes(), sequence, forward, rowGradient)
                    : IndexerKernel.backward(layout.sizes(), sequence, forward, rowGradient);
            copy(result.dqi(), gradients[0], b);
            copy(result.dki(), gradients[1], b);
            copy(result.dw(), gradients[2], b);
        }
        Tensor[] out = new Tensor[5];
        for (int i = 0; i < 2; i++) {
            // The teacher's gradient is zero by definition; given only if asked for.
            out[i] = context.needsGradient(i)
                    ? context.tensor(new float[data[i].length], inputs[i].shape()) : null;
        }
        for (int i = 2; i < 5; i++) {
            out[i] = context.needsGradient(i)
                    ? context.tensor(gradients[i - 2], inputs[i].shape()) : null;
        }
        return out;
    }

    // ---- OpenCL dispatch: the shared device kernels, as NSA's function keeps its own.

    /**
     * Closes the shared OpenCL kernels, if built; the next OpenCL call builds them again. For a
     * plugin update, or a test that must free the device; harmless at any time no OpenCL call
     * is running (a running one finishes first: the instance serialises its calls).
     */
    static void releaseOpenCl() {
        OpenClIndexerKernel released;
        synchronized (OPENCL_LOCK) {
            released = openCl;
            openCl = null;
        }
        if (released != null) {
            released.close();
        }
    }

    /** The shared OpenCL kernels for a call on {@code backend}; null where the Java kernel runs. */
    private static OpenClIndexerKernel openClFor(BackendKind backend) {
        if (backend != BackendKind.OPENCL) {
            return null;
        }
        synchronized (OPENCL_LOCK) {
            if (openCl == null) {
                if (!OpenClIndexerKernel.isAvailable()) {
                    return null;
                }
                openCl = new OpenClIndexerKernel();
                if (!exitHookAdded) {
                    exitHookAdded = true;
                    Runtime.getRuntime().addShutdownHook(new Thread(
                            IndexerLossFunction::releaseOpenCl,
                            "sparsa-opencl-dsa-indexer-close"));
                }
            }
            return openCl;
        }
    }

    // ---- end of the OpenCL dispatch.

    /** Sequence {@code b}'s inputs and selection. */
    private IndexerKernel.Inputs sequence(float[][] data, int b, int batch) {
        int each = selected.length / batch;
        return new IndexerKernel.Inputs(part(data[0], b, batch), part(data[1], b, batch),
                part(data[2], b, batch), part(data[3], b, batch), part(data[4], b, batch),
                Arrays.copyOfRange(selected, b * each, (b + 1) * each));
    }

    /** The batch size and the kernel's sizes from checked shapes. */
    private Layout layout(Tensor[] inputs) {
        int[] q = inputs[0].shape();
        int[] k = inputs[1].shape();
        int[] qi = inputs[2].shape();
        int[] ki = inputs[3].shape();
        int[] w = inputs[4].shape();
        int axis = q.length == 4 ? 1 : 0;
        int batch = axis == 1 ? q[0] : 1;
        boolean fits = (q.length == 3 || q.length == 4) && k.length == q.length
                && qi.length == q.length && ki.length == q.length - 1 && w.length == q.length - 1
                && (axis == 0 || k[0] == batch && qi[0] == batch && ki[0] == batch
                        && w[0] == batch)
                && k[axis] == q[axis] && qi[axis] == q[axis] && ki[axis] == q[axis]
                && w[axis] == q[axis] && k[axis + 2] == q[axis + 2] && k[axis + 1] > 0
                && q[axis + 1] % k[axis + 1] == 0 && ki[axis + 1] == qi[axis + 2]
                && w[axis + 1] == qi[axis + 1] && selected.length == batch * q[axis] * topK;
        if (!fits) {
            throw new IllegalArgumentException(NAME + ": expected q [B, T, Hq, D], k "
                    + "[B, T, Hkv, D], qi [B, T, HI, dI], ki [B, T, dI], w [B, T, HI] (or all "
                    + "without B) with Hkv dividing Hq, and B x T x " + topK + " selected ids; "
                    + "found q " + Arrays.toString(q) + ", k " + Arrays.toString(k) + ", qi "
                    + Arrays.toString(qi) + ", ki " + Arrays.toString(ki) + ", w "
                    + Arrays.toString(w) + " and " + selected.length + " ids");
        }
        return new Layout(batch, new IndexerKernel.Sizes(q[axis], q[axis + 1], k[axis + 1],
                q[axis + 2], qi[axis + 1], qi[axis + 2], topK));
    }

    /** How a call's inputs split into sequences. */
    private record Layout(int batch, IndexerKernel.Sizes sizes) {
    }

    /** Writes sequence {@code b}'s share into {@code all}. */
    private static void copy(float[] part, float[] all, int b) {
        System.arraycopy(part, 0, all, b * part.length, part.length);
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
