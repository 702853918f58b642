package org.sparsa.core.attention;

import java.util.Arrays;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * Full attention over a batch of sequences as one differentiable function, so that the fused
 * kernels join the autograd graph: inputs q {@code [B, T, Hq, D]}, k and v
 * {@code [B, T, Hkv, D]}; one output o {@code [B, T, Hq, D]}. Causal, grouped-query heads, an
 * optional window (see {@link FullAttentionSpec}).
 *
 * <p>Each sequence of the batch goes through the fused kernels in turn, which spread it over the
 * cores (or the device) themselves: {@link FlashAttention} on the {@code JAVA} backend, an
 * {@link OpenClFullAttention} on {@code OPENCL}. The forward saves q, k, v, o and the per-row
 * log-sum-exp {@code [B, T, Hq]}; the backward recomputes the probabilities from them, so no
 * {@code T x T} matrix is ever kept.
 *
 * <p>The OpenCL kernels are built once per JVM: building them costs seconds on a cold cache, so
 * one {@link OpenClFullAttention} is shared by every call, made on the first OpenCL call (under a
 * lock, so concurrent first calls build it once) and serialising its callers. It is closed at JVM
 * exit, or earlier by {@link #releaseOpenCl()} (for a plugin update, or a test that must free
 * the device); a later OpenCL call then builds a fresh one.
 */
public final class FullAttentionFunction implements DifferentiableFunction {
    private static final String NAME = "full attention";
    private static final Object OPENCL_LOCK = new Object();
    /** The shared OpenCL kernels; null until the first OpenCL call and after a release. */
    private static OpenClFullAttention openCl;
    private static boolean exitHookAdded;

    private final int window;

    /**
     * @param window {@code 0} for plain causal attention, otherwise the number of most recent
     *     keys (the query's own included) each query sees
     * @throws IllegalArgumentException when the window is negative
     */
    public FullAttentionFunction(int window) {
        if (window < 0) {
            throw new IllegalArgumentException(NAME + ": window must be >= 0 (0 means no "
                    + "window), found " + window);
        }
        this.window = window;
    }

    /** The window, {@code 0} for none. */
    public int window() {
        return window;
    }

    @Override
    public Tensor[] forward(FunctionContext context, Tensor... inputs) {
        if (inputs.length != 3) {
            throw new IllegalArgumentException(NAME + ": expected 3 inputs (q, k, v), found "
                    + inputs.length);
        }
        int[] qShape = inputs[0].shape();
        int[] kShape = inputs[1].shape();
        int[] vShape = inputs[2].shape();
        Sizes sizes = Sizes.of(qShape, kShape, vShape, window);
        float[] q = data(inputs[0]);
        float[] k = data(inputs[1]);
        float[] v = data(inputs[2]);
        FullAttentionSpec spec = sizes.spec;
        int querySize = spec.querySize();
        int kvSize = spec.kvSize();
        int rows = spec.rowCount();
        float[] o = new float[sizes.batch * querySize];
        float[] lse = new float[sizes.batch * rows];
        Kernels kernels = kernels(context.backend());
        for (int b = 0; b < sizes.batch; b++) {
            FlashAttention.Result result = kernels.forward(spec,
                    slice(q, b, querySize), slice(k, b, kvSize), slice(v, b, kvSize));
            System.arraycopy(result.o(), 0, o, b * querySize, querySize);
            System.arraycopy(result.lse(), 0, lse, b * rows, rows);
        }
        Tensor output = context.tensor(o, qShape);
        context.save(inputs[0], inputs[1], inputs[2], output,
                context.tensor(lse, sizes.batch, spec.length(), spec.queryHeads()));
        return new Tensor[] {output};
    }

    @Override
    public Tensor[] backward(FunctionContext context, Tensor... outputGradients) {
        var saved = context.saved();
        if (saved.size() != 5) {
            throw new IllegalStateException(NAME + ": backward expects the 5 tensors the "
                    + "forward saved (q, k, v, o, lse), found " + saved.size());
        }
        int[] qShape = saved.get(0).shape();
        int[] kShape = saved.get(1).shape();
        Sizes sizes = Sizes.of(qShape, kShape, saved.get(2).shape(), window);
        boolean wantQ = context.needsGradient(0);
        boolean wantK = context.needsGradient(1);
        boolean wantV = context.needsGradient(2);
        if (!wantQ && !wantK && !wantV) {
            return new Tensor[3];
        }
        Tensor gradient = outputGradients.length == 0 ? null : outputGradients[0];
        FullAttentionSpec spec = sizes.spec;
        int querySize = spec.querySize();
        int kvSize = spec.kvSize();
        int rows = spec.rowCount();
        float[] dq = new float[sizes.batch * querySize];
        float[] dk = new float[sizes.batch * kvSize];
        float[] dv = new float[sizes.batch * kvSize];
        if (gradient != null) {
            if (!Arrays.equals(gradient.shape(), qShape)) {
                throw new IllegalArgumentException(NAME + ": the output gradient "
                        + Arrays.toString(gradient.shape()) + " must have the shape of o "
                        + Arrays.toString(qShape));
            }
            float[] q = data(saved.get(0));
            float[] k = data(saved.get(1));
            float[] v = data(saved.get(2));
            float[] o = data(saved.get(3));
            float[] lse = data(saved.get(4));
            float[] dout = data(gradient);
            Kernels kernels = kernels(context.backend());
            for (int b = 0; b < sizes.batch; b++) {
                FlashAttention.Gradients g = kernels.backward(spec, slice(q, b, querySize),
                        slice(k, b, kvSize), slice(v, b, kvSize), slice(o, b, querySize),
                        slice(lse, b, rows), slice(dout, b, querySize));
                System.arraycopy(g.dq(), 0, dq, b * querySize, querySize);
                System.arraycopy(g.dk(), 0, dk, b * kvSize, kvSize);
                System.arraycopy(g.dv(), 0, dv, b * kvSize, kvSize);
            }
        }
        return new Tensor[] {
            wantQ ? context.tensor(dq, qShape) : null,
            wantK ? context.tensor(dk, kShape) : null,
            wantV ? context.tensor(dv, kShape) : null,
        };
    }

    /**
     * Closes the shared OpenCL kernels, if built; the next OpenCL call builds them again. For
     * the OpenCL backend to call when it closes; harmless at any time no OpenCL call is running
     * (a running one finishes first: the instance serialises its calls).
     */
    public static void releaseOpenCl() {
        OpenClFullAttention released;
        synchronized (OPENCL_LOCK) {
            released = openCl;
            openCl = null;
        }
        if (released != null) {
            released.close();
        }
    }

    /** The shared OpenCL kernels, built on first use. */
    static OpenClFullAttention sharedOpenCl() {
        synchronized (OPENCL_LOCK) {
            if (openCl == null) {
                openCl = new OpenClFullAttention();
                if (!exitHookAdded) {
                    exitHookAdded = true;
                    Runtime.getRuntime().addShutdownHook(new Thread(
                            FullAttentionFunction::releaseOpenCl, "sparsa-opencl-attention-close"));
                }
            }
            return openCl;
        }
    }

    /** The forward and backward of one sequence on one backend. */
    private interface Kernels {
        FlashAttention.Result forward(FullAttentionSpec spec, float[] q, float[] k, float[] v);

        FlashAttention.Gradients backward(FullAttentionSpec spec, float[] q, float[] k,
                float[] v, float[] o, float[] lse, float[] dout);
    }

    private static Kernels kernels(BackendKind backend) {
        switch (backend) {
            case JAVA:
                return new Kernels() {
                    @Override
                    public FlashAttention.Result forward(FullAttentionSpec spec, float[] q,
                            float[] k, float[] v) {
                        return FlashAttention.forward(spec, q, k, v);
                    }

                    @Override
                    public FlashAttention.Gradients backward(FullAttentionSpec spec, float[] q,
                            float[] k, float[] v, float[] o, float[] lse, float[] dout) {
                        return FlashAttention.backward(spec, q, k, v, o, lse, dout);
                    }
                };
            case OPENCL:
                OpenClFullAttention device = sharedOpenCl();
                return new Kernels() {
                    @Override
                    public FlashAttention.Result forward(FullAttentionSpec spec, float[] q,
                            float[] k, float[] v) {
                        return device.forward(spec, q, k, v);
                    }

                    @Override
                    public FlashAttention.Gradients backward(FullAttentionSpec spec, float[] q,
                            float[] k, float[] v, float[] o, float[] lse, float[] dout) {
                        return device.backward(spec, q, k, v, o, lse, dout);
                    }
                };
            default:
                throw new IllegalArgumentException(NAME + ": backend " + backend
                        + " is not a concrete backend (JAVA or OPENCL)");
        }
    }

    /** The values of {@code tensor}, without a copy for the framework's own tensors. */
    private static float[] data(Tensor tensor) {
        return DenseTensor.of(tensor).data();
    }

    /** Sequence {@code b} of a batch whose sequences hold {@code size} values each. */
    private static float[] slice(float[] x, int b, int size) {
        return b == 0 && x.length == size ? x : Arrays.copyOfRange(x, b * size, (b + 1) * size);
    }

    /** The batch size and one sequence's spec, from checked shapes. */
    private record Sizes(int batch, FullAttentionSpec spec) {

        static Sizes of(int[] q, int[] k, int[] v, int window) {
            String shapes = "q " + Arrays.toString(q) + ", k " + Arrays.toString(k) + ", v "
                    + Arrays.toString(v);
            if (q.length != 4 || k.length != 4 || v.length != 4) {
                throw new IllegalArgumentException(NAME + ": q must be [B, T, Hq, D] and k, v "
                        + "[B, T, Hkv, D]; found " + shapes);
            }
            if (!Arrays.equals(k, v)) {
                throw new IllegalArgumentException(NAME + ": k and v must have the same shape; "
                        + "found " + shapes);
            }
            if (q[0] != k[0] || q[1] != k[1] || q[3] != k[3]) {
                throw new IllegalArgumentException(NAME + ": q and k must agree on B, T and D; "
                        + "found " + shapes);
            }
            if (k[2] <= 0 || q[2] % k[2] != 0) {
                throw new IllegalArgumentException(NAME + ": the query heads must be a multiple "
                        + "of the kv heads; found " + shapes);
            }
            if (q[0] <= 0 || q[1] <= 0 || q[3] <= 0) {
                throw new IllegalArgumentException(NAME + ": B, T and D must be positive; found "
                        + shapes);
            }
            if ((long) q[0] * q[1] * q[2] * q[3] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(NAME + ": q does not fit in one Java array; "
                        + "found " + shapes);
            }
            try {
                return new Sizes(q[0], new FullAttentionSpec(q[1], q[2], k[2], q[3], window));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(NAME + ": " + e.getMessage() + "; found "
                        + shapes, e);
            }
        }
    }
}
