package org.sparsa.core.attention.internal;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.attention.FullAttentionFunction;
import org.sparsa.core.tensor.DenseTensor;

/**
 * One layer of full attention: causal softmax attention over every earlier key (or the last
 * {@code window} of them), with grouped-query heads. It has no parameters of its own and one
 * mode, {@code dense}.
 *
 * <p>{@link #forward} applies {@link FullAttentionFunction}, the fused kernels of the ops'
 * backend, as one node of the graph. {@link #decode} is inference and records nothing: it appends
 * the step's keys and values to a {@link FullAttentionCache} and attends with the step's queries
 * over every cached position in plain double arithmetic, except that a multi-position step into
 * an empty cache (a prompt's prefill) runs the same fused kernels as the forward, outside the
 * graph, so its rows are the forward's.
 */
final class FullAttentionLayer implements AttentionLayer {
    static final String DENSE = "dense";

    private final AttentionShape shape;
    private final int window;

    FullAttentionLayer(AttentionShape shape, int window) {
        if (shape.headDim() <= 0) {
            throw new IllegalArgumentException("full attention layer " + shape.layer()
                    + ": head dimension must be positive, found " + shape.headDim());
        }
        this.shape = shape;
        this.window = window;
    }

    /** The window, {@code 0} for none. */
    int window() {
        return window;
    }

    @Override
    public Set<String> modes() {
        return Set.of(DENSE);
    }

    @Override
    public AttentionOutput forward(AttentionInput input, Parameters parameters, String mode) {
        requireMode(mode);
        int[] q = input.q().shape();
        requireShapes(input, q.length == 4 ? q[0] : -1, q.length == 4 ? q[1] : -1, false);
        Variable o = input.q().ops().apply(new FullAttentionFunction(window), input.q(),
                input.k(), input.v()).get(0);
        return new AttentionOutput(o, Map.of());
    }

    @Override
    public KvCache newCache(int batch, int maxLength) {
        return new FullAttentionCache(batch, maxLength, shape.kvHeads(), shape.headDim());
    }

    @Override
    public Variable decode(AttentionInput input, KvCache cache, Parameters parameters,
            String mode) {
        requireMode(mode);
        if (!(cache instanceof FullAttentionCache kv) || kv.kvHeads() != shape.kvHeads()
                || kv.headDim() != shape.headDim()) {
            throw new IllegalArgumentException(name() + ": the cache was not made by a full "
                    + "attention layer of " + shape.kvHeads() + " kv heads of " + shape.headDim()
                    + " (use this layer's newCache); found " + cache);
        }
        int[] q = input.q().shape();
        int count = q.length == 4 ? q[1] : -1;
        requireShapes(input, kv.batch(), count, true);
        if (count == 0) {
            throw new IllegalArgumentException(name() + ": decode needs at least one position");
        }
        requirePositions(input.positions(), kv.batch(), count, kv.length());
        Ops ops = input.q().ops();
        boolean prefill = kv.length() == 0 && count > 1;
        kv.append(values(input.k()), values(input.v()), count);
        if (prefill) {
            try (GradScope scope = ops.noGrad()) {
                return ops.apply(new FullAttentionFunction(window), input.q(), input.k(),
                        input.v()).get(0);
            }
        }
        return ops.constant(kv.attendLast(values(input.q()), count, shape.heads(), window), q);
    }

    @Override
    public String toString() {
        return name() + (window > 0 ? " (window " + window + ")" : "");
    }

    private String name() {
        return "full attention layer " + shape.layer();
    }

    private void requireMode(String mode) {
        if (!DENSE.equals(mode)) {
            throw new IllegalArgumentException(name() + ": unknown mode '" + mode
                    + "'; full attention has one mode, '" + DENSE + "'");
        }
    }

    /**
     * q {@code [batch, time, Hq, D]}, k and v {@code [batch, time, Hkv, D]} for this layer; the
     * message names the batch when it is the cache's.
     */
    private void requireShapes(AttentionInput input, int batch, int time, boolean cached) {
        int[] q = input.q().shape();
        int[] k = input.k().shape();
        int[] v = input.v().shape();
        int[] wantQ = {batch, time, shape.heads(), shape.headDim()};
        int[] wantKv = {batch, time, shape.kvHeads(), shape.headDim()};
        if (batch < 0 || time < 0 || !Arrays.equals(q, wantQ) || !Arrays.equals(k, wantKv)
                || !Arrays.equals(v, wantKv)) {
            throw new IllegalArgumentException(name() + ": expected q [B, T, " + shape.heads()
                    + ", " + shape.headDim() + "] and k, v [B, T, " + shape.kvHeads() + ", "
                    + shape.headDim() + "]"
                    + (cached ? " with B = " + batch + " (the cache's batch)" : "")
                    + "; found q " + Arrays.toString(q) + ", k " + Arrays.toString(k) + ", v "
                    + Arrays.toString(v));
        }
    }

    /**
     * Positions {@code [time]} or {@code [batch, time]}, each row {@code cached, cached + 1, ...}.
     */
    private void requirePositions(IntTensor positions, int batch, int time, int cached) {
        int[] got = positions.shape();
        boolean shaped = Arrays.equals(got, new int[] {time})
                || Arrays.equals(got, new int[] {batch, time});
        boolean continues = shaped;
        for (int i = 0; continues && i < positions.size(); i++) {
            continues = positions.at(i) == cached + i % time;
        }
        if (!continues) {
            String want = time <= 4 ? Arrays.toString(IntStream.range(cached, cached + time)
                    .toArray()) : "[" + cached + ", " + (cached + 1) + ", ..., "
                            + (cached + time - 1) + "]";
            String shown = positions.size() <= 16 ? Arrays.toString(positions.toArray())
                    : "of shape " + Arrays.toString(got);
            throw new IllegalArgumentException(name() + ": decode positions " + shown
                    + " do not continue the cache, which holds " + cached + " position"
                    + (cached == 1 ? "" : "s") + "; expected " + want
                    + (batch > 1 ? " (shape [" + time + "] or [" + batch + ", " + time + "])"
                            : ""));
        }
    }

    private static float[] values(Variable x) {
        return DenseTensor.of(x.value()).data();
    }
}
