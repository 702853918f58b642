package org.sparsa.dsa.internal;

import java.util.List;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.tensor.IntTensor;

/**
 * The lightning indexer's projections in a layer, after DeepSeek-V3.2-Exp's {@code Indexer}:
 * from the layer's normalised input x (detached, so the indexer learns only from its own loss
 * and its loss reaches nothing else),
 * <ul>
 * <li>{@code qi = x @ indexer.wq^T}, split into {@code HI} heads of {@code dI}. The official
 *     indexer reads MLA's normalised query latent; this model has no query latent, so the
 *     index queries come from x, as the index keys and weights do.</li>
 * <li>{@code ki = LayerNorm(x @ indexer.wk^T)} with {@code indexer.k_norm.weight} and
 *     {@code .bias}, eps 1e-6, one key per token shared by the index heads.</li>
 * <li>NeoX (rotate-half) RoPE on the first {@code rope_dim} entries of qi and ki, frequencies
 *     over those entries, as the official indexer's {@code [rope | nope]} layout.</li>
 * <li>Optionally simulated FP8 e4m3 of qi and ki (spec step 5). The official code first applies
 *     an orthonormal Hadamard rotation, which changes no dot product in exact arithmetic and
 *     only spreads outliers before quantisation; it is left out.</li>
 * <li>{@code w = x @ indexer.weights_proj^T * HI^-1/2 * dI^-1/2}: the official code folds the
 *     {@code dI^-1/2} softmax scale into the weights too, and the scale of I matters to the
 *     indexer's softmax in the loss.</li>
 * </ul>
 */
final class Indexer {
    /** Every indexer parameter of every layer, as a glob over the model's parameter names. */
    static final String PARAMETERS = "*.indexer.*";
    static final String WQ = "indexer.wq";
    static final String WK = "indexer.wk";
    static final String K_NORM_WEIGHT = "indexer.k_norm.weight";
    static final String K_NORM_BIAS = "indexer.k_norm.bias";
    static final String WEIGHTS = "indexer.weights_proj";
    /** The official indexer's LayerNorm epsilon. */
    private static final double NORM_EPS = 1e-6;
    /** The standard deviation of the projections at start, as the model's own. */
    private static final double INIT_STD = 0.02;

    private final AttentionShape shape;
    private final DsaParams params;

    Indexer(AttentionShape shape, DsaParams params) {
        this.shape = shape;
        this.params = params;
    }

    /** The indexer's parameters, {@code [out, in]} matrices as the model's projections. */
    static List<ParameterSpec> specs(AttentionShape shape, DsaParams params) {
        int heads = params.indexHeads();
        int dim = params.indexDim();
        return List.of(
                new ParameterSpec(WQ, List.of(heads * dim, shape.hidden()), "normal", INIT_STD),
                new ParameterSpec(WK, List.of(dim, shape.hidden()), "normal", INIT_STD),
                new ParameterSpec(K_NORM_WEIGHT, List.of(dim), "ones", 0),
                new ParameterSpec(K_NORM_BIAS, List.of(dim), "zeros", 0),
                new ParameterSpec(WEIGHTS, List.of(heads, shape.hidden()), "normal", INIT_STD));
    }

    /**
     * The index queries, keys and weights of a batch.
     *
     * @param hidden the layer's normalised input {@code [B, T, hidden]}
     * @param positions the absolute position of each of the T entries
     * @return qi {@code [B, T, HI, dI]}, ki {@code [B, T, dI]}, w {@code [B, T, HI]}
     */
    Projections project(Variable hidden, IntTensor positions, Parameters parameters) {
        Ops ops = hidden.ops();
        int[] size = hidden.shape();
        int batch = size[0];
        int time = size[1];
        Variable x = ops.detach(hidden);
        Variable qi = ops.reshape(linear(ops, x, parameters.get(WQ)), batch, time,
                params.indexHeads(), params.indexDim());
        Variable ki = ops.layerNorm(linear(ops, x, parameters.get(WK)),
                parameters.get(K_NORM_WEIGHT), parameters.get(K_NORM_BIAS), NORM_EPS);
        if (params.ropeDim() > 0) {
            qi = ops.rope(qi, 1, positions, params.ropeDim(), shape.ropeTheta());
            ki = ops.rope(ki, 1, positions, params.ropeDim(), shape.ropeTheta());
        }
        if (params.fp8()) {
            qi = DsaReference.fp8(qi, params.fp8Group(), params.pow2Scale());
            ki = DsaReference.fp8(ki, params.fp8Group(), params.pow2Scale());
        }
        Variable w = ops.scale(linear(ops, x, parameters.get(WEIGHTS)),
                1 / Math.sqrt((double) params.indexHeads() * params.indexDim()));
        return new Projections(qi, ki, w);
    }

    private static Variable linear(Ops ops, Variable x, Variable weight) {
        return ops.linear(x, weight);
    }

    @Override
    public String toString() {
        return "dsa indexer of layer " + shape.layer() + " " + params;
    }

    /**
     * One batch's index projections.
     *
     * @param qi index queries {@code [B, T, HI, dI]}
     * @param ki index keys {@code [B, T, dI]}
     * @param w index head weights {@code [B, T, HI]}
     */
    record Projections(Variable qi, Variable ki, Variable w) {
    }
}
