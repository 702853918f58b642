package org.sparsa.core.attention.internal;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.attention.FlashAttention;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.core.attention.OpenClFullAttention;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * {@code attention.full}: q [T, Hq, D], k and v [T, Hkv, D] with config {@code window}
 * (default 0, no window) give o; with {@code dout.o} also the gradients of q, k and v. The Java
 * backend runs the tiled {@link FlashAttention} path, the one real work uses; the OpenCL
 * backend, offered when an OpenCL device is present, runs {@link OpenClFullAttention} (built for
 * the case and closed after it).
 */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=attention.full")
public final class FullAttentionGoldenOp implements GoldenOp {
    private static final String OP = "attention.full";

    @Override
    public Set<BackendKind> backends() {
        return OpenClFullAttention.isAvailable()
                ? EnumSet.of(BackendKind.JAVA, BackendKind.OPENCL)
                : EnumSet.of(BackendKind.JAVA);
    }

    @Override
    public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
        FullAttentionSpec spec = spec(goldenCase);
        float[] q = goldenCase.floats("in.q");
        float[] k = goldenCase.floats("in.k");
        float[] v = goldenCase.floats("in.v");
        float[] dout = goldenCase.has("dout.o") ? goldenCase.floats("dout.o") : null;
        if (backend == BackendKind.OPENCL) {
            try (OpenClFullAttention attention = new OpenClFullAttention()) {
                return outputs(spec, q, k, v, dout, attention::forward, attention::backward);
            }
        }
        return outputs(spec, q, k, v, dout, FlashAttention::forward, FlashAttention::backward);
    }

    /** o, and with {@code dout} the gradients, from one implementation's two passes. */
    private static GoldenOutputs outputs(FullAttentionSpec spec, float[] q, float[] k,
            float[] v, float[] dout, Forward forward, Backward backward) {
        FlashAttention.Result result = forward.apply(spec, q, k, v);
        GoldenOutputs outputs = new GoldenOutputs().put("out.o", result.o());
        if (dout != null) {
            FlashAttention.Gradients gradients = backward.apply(spec, q, k, v, result.o(),
                    result.lse(), dout);
            outputs.put("grad.q", gradients.dq()).put("grad.k", gradients.dk())
                    .put("grad.v", gradients.dv());
        }
        return outputs;
    }

    @FunctionalInterface
    private interface Forward {
        FlashAttention.Result apply(FullAttentionSpec spec, float[] q, float[] k, float[] v);
    }

    @FunctionalInterface
    private interface Backward {
        FlashAttention.Gradients apply(FullAttentionSpec spec, float[] q, float[] k, float[] v,
                float[] o, float[] lse, float[] dout);
    }

    private static FullAttentionSpec spec(GoldenCase goldenCase) {
        int[] q = rank3(goldenCase, "in.q");
        int[] k = rank3(goldenCase, "in.k");
        int[] v = rank3(goldenCase, "in.v");
        if (!Arrays.equals(k, v)) {
            throw new IllegalArgumentException(OP + ": in.k " + Arrays.toString(k)
                    + " and in.v " + Arrays.toString(v) + " must have the same shape");
        }
        if (q[0] != k[0] || q[2] != k[2]) {
            throw new IllegalArgumentException(OP + ": in.q " + Arrays.toString(q) + " and in.k "
                    + Arrays.toString(k) + " must agree on T and D");
        }
        if (goldenCase.has("dout.o") && !Arrays.equals(goldenCase.shape("dout.o"), q)) {
            throw new IllegalArgumentException(OP + ": dout.o "
                    + Arrays.toString(goldenCase.shape("dout.o")) + " must have the shape of in.q "
                    + Arrays.toString(q));
        }
        Object window = goldenCase.config().getOrDefault("window", 0);
        if (!(window instanceof Integer w)) {
            throw new IllegalArgumentException(OP + ": config 'window' must be an integer, found "
                    + window);
        }
        try {
            return new FullAttentionSpec(q[0], q[1], k[1], q[2], w);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OP + ": " + e.getMessage(), e);
        }
    }

    private static int[] rank3(GoldenCase goldenCase, String name) {
        int[] shape = goldenCase.shape(name);
        if (shape.length != 3) {
            throw new IllegalArgumentException(OP + ": " + name + " must be [T, heads, D], found "
                    + Arrays.toString(shape));
        }
        return shape;
    }
}
