package org.sparsa.dsa.internal;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
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
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.core.attention.FullAttentionFunction;
import org.sparsa.core.model.AttentionDiagnostics;

/**
 * One layer of DeepSeek Sparse Attention, in two modes:
 * <ul>
 * <li>{@code sparse} (the default): each query attends to the {@code top_k} keys its lightning
 *     indexer scores highest, and the layer adds the indexer's sparse-stage loss (spec step 4)
 *     as the auxiliary loss {@value #INDEXER_LOSS}.</li>
 * <li>{@code dense}: full causal attention, the indexer's dense warm-up loss (spec step 3) as
 *     the auxiliary loss. The output does not depend on the indexer at all.</li>
 * </ul>
 * The indexer reads the detached layer input ({@link Indexer}) and its losses read detached q
 * and k, so the indexer learns only from its loss and the rest of the model only from the
 * language-model loss: the choice of keys passes no gradient. Freezing the main model for the
 * warm-up is the stage's business, not the layer's.
 *
 * <p>Training builds nothing {@code T x T}: the selection streams each row's index scores
 * through a running top-k ({@link DsaKernel#select}), the losses are fused
 * ({@link IndexerLossFunction}) and the sparse attention is the fused kernel
 * ({@link DsaFunction}), each over the whole batch; {@link DsaReference} computes the same
 * thing the spec's way and is the yardstick in the tests. Decoding keeps the keys, values and
 * index keys ({@link DsaCache}); a sparse step selects with the kernel's streaming top-k and
 * attends with the kernel, a dense step attends through the reference. On the OpenCL backend
 * the selection and the sparse attention, in training and decoding, run on the device
 * ({@link OpenClDsaKernel}, through {@link DsaFunction}).
 *
 * <p>At evaluation the layer measures {@value #INDEXER_RECALL}: the share of the dense
 * attention's probability mass that falls on the indexer's top-k keys, averaged over queries,
 * heads and sequences ({@link DsaReference#recall}), in either mode, since it judges the
 * indexer's choice against what the dense attention would read.
 */
final class DsaLayer implements AttentionLayer, AttentionDiagnostics {
    static final String SPARSE = "sparse";
    static final String DENSE = "dense";
    /** The name of the indexer's loss among the layer's auxiliary losses. */
    static final String INDEXER_LOSS = "indexer_kl";
    /** The name of the indexer's recall among the layer's diagnostics. */
    static final String INDEXER_RECALL = "indexer_recall";
    private static final Set<String> MODES = Collections.unmodifiableSet(
            new LinkedHashSet<>(List.of(SPARSE, DENSE)));

    private final AttentionShape shape;
    private final DsaParams params;
    private final Indexer indexer;

    DsaLayer(AttentionShape shape, DsaParams params) {
        this.shape = shape;
        this.params = params;
        this.indexer = new Indexer(shape, params);
    }

    @Override
    public Set<String> modes() {
        return MODES;
    }

    @Override
    public AttentionOutput forward(AttentionInput input, Parameters parameters, String mode) {
        requireMode(mode);
        int[] q = input.q().shape();
        requireShapes(input, q.length == 4 ? q[0] : -1, q.length == 4 ? q[1] : -1);
        Ops ops = input.q().ops();
        int batch = q[0];
        int time = q[1];
        boolean sparse = SPARSE.equals(mode);
        Indexer.Projections index = indexer.project(input.hidden(), input.positions(),
                parameters);
        // Nothing T x T in either mode: the selection streams the index scores with a running
        // top-k, the losses are fused, the attention is the sparse kernel or flash-style.
        Variable loss;
        Variable o;
        if (sparse) {
            int[] selection = select(index, batch, time, ops.backend());
            loss = IndexerLossFunction.sparse(input.q(), input.k(), index.qi(), index.ki(),
                    index.w(), selection, params.topK());
            o = DsaFunction.attend(input.q(), input.k(), input.v(), selection, params.topK());
        } else {
            loss = IndexerLossFunction.dense(input.q(), input.k(), index.qi(), index.ki(),
                    index.w());
            o = ops.apply(new FullAttentionFunction(0), input.q(), input.k(), input.v()).get(0);
        }
        Variable indexerLoss = ops.reshape(loss);
        return new AttentionOutput(o, Map.of(INDEXER_LOSS, indexerLoss));
    }

    @Override
    public Map<String, Double> diagnose(AttentionInput input, Parameters parameters,
            String mode) {
        requireMode(mode);
        int[] q = input.q().shape();
        requireShapes(input, q.length == 4 ? q[0] : -1, q.length == 4 ? q[1] : -1);
        int batch = q[0];
        int time = q[1];
        try (GradScope noGraph = input.q().ops().noGrad()) {
            Indexer.Projections index = indexer.project(input.hidden(), input.positions(),
                    parameters);
            double recall = 0;
            for (int b = 0; b < batch; b++) {
                Variable scores = DsaReference.indexScores(
                        sequence(index.qi(), b, time, params.indexHeads(), params.indexDim()),
                        sequence(index.ki(), b, time, params.indexDim()),
                        sequence(index.w(), b, time, params.indexHeads()), 0);
                int[] selected = DsaReference.select(scores, params.topK(), 0);
                recall += DsaReference.recall(
                        sequence(input.q(), b, time, shape.heads(), shape.headDim()),
                        sequence(input.k(), b, time, shape.kvHeads(), shape.headDim()),
                        selected, params.topK(), 0);
            }
            return Map.of(INDEXER_RECALL, recall / batch);
        }
    }

    @Override
    public KvCache newCache(int batch, int maxLength) {
        return new DsaCache(batch, maxLength, shape.kvHeads(), shape.headDim(),
                params.indexDim());
    }

    @Override
    public Variable decode(AttentionInput input, KvCache cache, Parameters parameters,
            String mode) {
        requireMode(mode);
        if (!(cache instanceof DsaCache kv) || kv.kvHeads() != shape.kvHeads()
                || kv.headDim() != shape.headDim() || kv.indexDim() != params.indexDim()) {
            throw new IllegalArgumentException(name() + ": the cache was not made by this layer "
                    + "(use its newCache); found " + cache);
        }
        int[] q = input.q().shape();
        int count = q.length == 4 ? q[1] : -1;
        requireShapes(input, kv.batch(), count);
        Ops ops = input.q().ops();
        try (GradScope noGraph = ops.noGrad()) {
            Indexer.Projections index = indexer.project(input.hidden(), input.positions(),
                    parameters);
            kv.append(input.k().value().toArray(), input.v().value().toArray(),
                    index.ki().value().toArray(), count);
            int length = kv.length();
            int first = length - count;
            float[] queries = input.q().value().toArray();
            float[] indexQueries = index.qi().value().toArray();
            float[] weights = index.w().value().toArray();
            int queryRow = count * shape.heads() * shape.headDim();
            int indexRow = count * params.indexHeads() * params.indexDim();
            int weightRow = count * params.indexHeads();
            float[] out = new float[kv.batch() * queryRow];
            for (int b = 0; b < kv.batch(); b++) {
                float[] qb = Arrays.copyOfRange(queries, b * queryRow, (b + 1) * queryRow);
                float[] o;
                if (SPARSE.equals(mode)) {
                    // The streaming selection and the kernel: no score matrix, not even
                    // [count, length].
                    int[] selected = DsaFunction.select(ops.backend(), count, first,
                            params.indexHeads(),
                            params.indexDim(), params.topK(),
                            Arrays.copyOfRange(indexQueries, b * indexRow, (b + 1) * indexRow),
                            kv.indexKeys(b),
                            Arrays.copyOfRange(weights, b * weightRow, (b + 1) * weightRow));
                    o = DsaFunction.sparseForward(ops.backend(), new DsaKernel.Sizes(count,
                            length, shape.heads(), shape.kvHeads(), shape.headDim(),
                            params.topK()), qb, kv.keys(b), kv.values(b), selected).o();
                } else {
                    o = DsaReference.denseAttention(
                            ops.constant(qb, count, shape.heads(), shape.headDim()),
                            ops.constant(kv.keys(b), length, shape.kvHeads(), shape.headDim()),
                            ops.constant(kv.values(b), length, shape.kvHeads(),
                                    shape.headDim()), first).value().toArray();
                }
                System.arraycopy(o, 0, out, b * queryRow, queryRow);
            }
            return ops.constant(out, kv.batch(), count, shape.heads(), shape.headDim());
        }
    }

    /**
     * Each sequence's selection by the streaming top-k, {@code [B, T, top_k]}, on the device of
     * an OpenCL backend.
     */
    private int[] select(Indexer.Projections index, int batch, int time, BackendKind backend) {
        float[] qi = index.qi().value().toArray();
        float[] ki = index.ki().value().toArray();
        float[] w = index.w().value().toArray();
        int queries = time * params.indexHeads() * params.indexDim();
        int keys = time * params.indexDim();
        int weights = time * params.indexHeads();
        int[] selection = new int[batch * time * params.topK()];
        for (int b = 0; b < batch; b++) {
            int[] selected = DsaFunction.select(backend, time, 0, params.indexHeads(),
                    params.indexDim(), params.topK(), Arrays.copyOfRange(qi, b * queries, (b + 1) * queries),
                    Arrays.copyOfRange(ki, b * keys, (b + 1) * keys),
                    Arrays.copyOfRange(w, b * weights, (b + 1) * weights));
            System.arraycopy(selected, 0, selection, b * selected.length, selected.length);
        }
        return selection;
    }

    /** Sequence {@code b} of a batched tensor {@code [B, T, ...]}, as {@code [T, ...]}. */
    private static Variable sequence(Variable x, int b, int time, int... rest) {
        Ops ops = x.ops();
        int[] shape = new int[rest.length + 1];
        shape[0] = time;
        System.arraycopy(rest, 0, shape, 1, rest.length);
        return ops.reshape(ops.slice(x, 0, b, b + 1), shape);
    }

    private void requireMode(String mode) {
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException(name() + ": unknown mode '" + mode
                    + "'; DSA has the modes " + MODES);
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
                || !Arrays.equals(v, wantKv) || !Arrays.equals(h, wantHidden)
                || input.positions().size() != time) {
            throw new IllegalArgumentException(name() + ": expected hidden [B, T, "
                    + shape.hidden() + "], q [B, T, " + shape.heads() + ", " + shape.headDim()
                    + "], k, v [B, T, " + shape.kvHeads() + ", " + shape.headDim()
                    + "] and T positions; found hidden " + Arrays.toString(h) + ", q "
                    + Arrays.toString(q) + ", k " + Arrays.toString(k) + ", v "
                    + Arrays.toString(v) + ", " + input.positions().size() + " positions");
        }
    }

    private String name() {
        return "dsa layer " + shape.layer();
    }

    @Override
    public String toString() {
        return name() + " " + params;
    }
}
