package org.sparsa.nsa.internal;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;

/**
 * One layer of Native Sparse Attention. The gates come from the layer's input,
 * {@code sigmoid(x @ gate.weight^T + gate.bias)}, one per head and branch (entry
 * {@code 3 * head + branch}, branches in the order compressed, selected, window; no softmax
 * across branches); the batch then goes through the fused kernel as one node
 * ({@link NsaFunction}), checked against {@link NsaReference}.
 *
 * <p>Every branch reads the model's keys and values, unless the layer was made with
 * {@code independent_kv}: the selected and the window branch then read keys and values they
 * project from the layer's input themselves ({@link BranchProjections}), and only the
 * compressed branch, and so the compression, reads the model's.
 *
 * <p>Decoding keeps the keys and values (the branches' own too) and the compressed ones,
 * compressing each block as it completes ({@link NsaCache}), and runs the kernel's rows for the
 * new queries only.
 */
final class NsaLayer implements AttentionLayer {
    static final String SPARSE = "sparse";
    static final String GATE_WEIGHT = "gate.weight";
    static final String GATE_BIAS = "gate.bias";
    private static final int BRANCHES = 3;

    private final AttentionShape shape;
    private final NsaParams params;
    private final Compressor keys;
    private final Compressor values;
    /** The selected and window branches' own projections; null where they read the model's. */
    private final BranchProjections projections;

    /**
     * @param projections the selected and window branches' own key and value projections, or
     *     null for branches that read the model's keys and values
     */
    NsaLayer(AttentionShape shape, NsaParams params, Compressor keys, Compressor values,
            BranchProjections projections) {
        this.shape = shape;
        this.params = params;
        this.keys = keys;
        this.values = values;
        this.projections = projections;
    }

    @Override
    public Set<String> modes() {
        return Set.of(SPARSE);
    }

    @Override
    public AttentionOutput forward(AttentionInput input, Parameters parameters, String mode) {
        requireMode(mode);
        int[] q = input.q().shape();
        requireShapes(input, q[0], q[1]);
        return new AttentionOutput(attend(input, gates(input.hidden(), parameters),
                parameters), Map.of());
    }

    @Override
    public KvCache newCache(int batch, int maxLength) {
        return new NsaCache(batch, maxLength, shape.kvHeads(), shape.headDim(), params,
                projections != null);
    }

    @Override
    public Variable decode(AttentionInput input, KvCache cache, Parameters parameters,
            String mode) {
        requireMode(mode);
        if (!(cache instanceof NsaCache kv) || kv.kvHeads() != shape.kvHeads()
                || kv.headDim() != shape.headDim() || kv.independent() != (projections != null)) {
            throw new IllegalArgumentException(name() + ": the cache was not made by this layer "
                    + "(use its newCache); found " + cache);
        }
        int[] q = input.q().shape();
        int count = q.length == 4 ? q[1] : -1;
        requireShapes(input, kv.batch(), count);
        if (count < 1) {
            throw new IllegalArgumentException(name() + ": decode needs at least one position");
        }
        Ops ops = input.q().ops();
        try (GradScope noGraph = ops.noGrad()) {
            float[][] own = null;
            if (projections != null) {
                BranchProjections.Projected projected = projections.project(input.hidden(),
                        input.positions(), parameters);
                own = new float[][] {projected.selectedKeys().value().toArray(),
                    projected.selectedValues().value().toArray(),
                    projected.windowKeys().value().toArray(),
                    projected.windowValues().value().toArray()};
            }
            kv.append(input.k().value().toArray(), input.v().value().toArray(), own, count,
                    keys.forDecoding(parameters), values.forDecoding(parameters));
            float[] queries = input.q().value().toArray();
            float[] gates = gates(input.hidden(), parameters).value().toArray();
            int length = kv.length();
            NsaKernel.Sizes sizes = new NsaKernel.Sizes(length, shape.heads(), shape.kvHeads(),
                    shape.headDim(), params);
            int queryRow = shape.heads() * shape.headDim();
            int gateRow = shape.heads() * BRANCHES;
            float[] out = new float[kv.batch() * count * queryRow];
            for (int b = 0; b < kv.batch(); b++) {
                float[] k = kv.selectedKeys(b);
                float[] v = kv.selectedValues(b);
                // Shared keys go in as one array, so the kernel scores them once for both.
                float[] kWin = kv.independent() ? kv.windowKeys(b) : k;
                float[] vWin = kv.independent() ? kv.windowValues(b) : v;
                float[] rows = NsaKernel.forwardRows(sizes,
                        Arrays.copyOfRange(queries, b * count * queryRow,
                                (b + 1) * count * queryRow),
                        k, v, kWin, vWin, kv.compressedKeys(b), kv.compressedValues(b),
                        Arrays.copyOfRange(gates, b * count * gateRow,
                                (b + 1) * count * gateRow),
                        length - count, length).o();
                System.arraycopy(rows, 0, out, b * count * queryRow, rows.length);
            }
            return ops.constant(out, kv.batch(), count, shape.heads(), shape.headDim());
        }
    }

    /** The gates, {@code [batch, time, heads, 3]}, each in (0, 1). */
    private Variable gates(Variable hidden, Parameters parameters) {
        Ops ops = hidden.ops();
        int[] x = hidden.shape();
        Variable logits = ops.add(ops.matmul(hidden, ops.transpose(
                parameters.get(GATE_WEIGHT), 0, 1)), parameters.get(GATE_BIAS));
        return ops.reshape(ops.sigmoid(logits), x[0], x[1], shape.heads(), BRANCHES);
    }

    /** NSA over each sequence of the batch, {@code [batch, time, heads, headDim]}. */
    private Variable attend(AttentionInput input, Variable gates, Parameters parameters) {
        Variable q = input.q();
        Variable k = input.k();
        Variable v = input.v();
        Variable kc = keys.apply(k, parameters);
        Variable vc = values.apply(v, parameters);
        if (projections == null) {
            return NsaFunction.attend(q, k, v, kc, vc, gates, params).o();
        }
        BranchProjections.Projected own = projections.project(input.hidden(),
                input.positions(), parameters);
        return NsaFunction.attendBranches(q, own.selectedKeys(), own.selectedValues(),
                own.windowKeys(), own.windowValues(), kc, vc, gates, params).o();
    }

    private void requireMode(String mode) {
        if (!SPARSE.equals(mode)) {
            throw new IllegalArgumentException(name() + ": unknown mode '" + mode
                    + "'; NSA has one mode, '" + SPARSE + "'");
        }
    }

    private void requireShapes(AttentionInput input, int batch, int time) {
        int[] q = input.q().shape();
        int[] k = input.k().shape();
        int[] v = input.v().shape();
        int[] h = input.hidden().shape();
        int[] wantQ = {batch, time, shape.heads(), shape.headDim()};
        int[] wantKv = {batch, time, shape.kvHeads(), shape.headDim()};
        int[] wantHidden = {batch, time, shape.hidden()};
        if (batch < 1 || time < 1 || !Arrays.equals(q, wantQ) || !Arrays.equals(k, wantKv)
                || !Arrays.equals(v, wantKv) || !Arrays.equals(h, wantHidden)) {
            throw new IllegalArgumentException(name() + ": expected hidden [B, T, "
                    + shape.hidden() + "], q [B, T, " + shape.heads() + ", " + shape.headDim()
                    + "] and k, v [B, T, " + shape.kvHeads() + ", " + shape.headDim()
                    + "]; found hidden " + Arrays.toString(h) + ", q " + Arrays.toString(q)
                    + ", k " + Arrays.toString(k) + ", v " + Arrays.toString(v));
        }
    }

    private String name() {
        return "nsa layer " + shape.layer();
    }

    @Override
    public String toString() {
        return name() + " " + params + (projections == null ? ""
                : ", the selected and window branches with keys and values of their own");
    }
}
