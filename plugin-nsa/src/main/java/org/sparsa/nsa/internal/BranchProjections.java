package org.sparsa.nsa.internal;

import java.util.List;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.tensor.IntTensor;

/**
 * The keys and values the selected and the window branch project for themselves from the
 * layer's input under {@code independent_kv}, as the paper gives each branch its own: per
 * branch a key and a value weight {@code [Hkv * D, hidden]}, initialised as the model's own
 * k and v projections. The keys are rotated at the input's positions with the model's rotary
 * base, as the model rotates the keys it hands over, so every branch compares the same rotated
 * queries against keys rotated alike. The compressed branch keeps reading the model's keys.
 */
final class BranchProjections {
    static final String SELECT_KEYS = "select.k.weight";
    static final String SELECT_VALUES = "select.v.weight";
    static final String WINDOW_KEYS = "window.k.weight";
    static final String WINDOW_VALUES = "window.v.weight";
    /** The standard deviation the model starts its own k and v projections with. */
    private static final double INIT_STD = 0.02;

    private final AttentionShape shape;

    BranchProjections(AttentionShape shape) {
        this.shape = shape;
    }

    /**
     * The projected keys and values of the two branches, {@code [batch, time, Hkv, D]} each.
     *
     * @param selectedKeys keys of the selected branch, rotated
     * @param selectedValues values of the selected branch
     * @param windowKeys keys of the window branch, rotated
     * @param windowValues values of the window branch
     */
    record Projected(Variable selectedKeys, Variable selectedValues, Variable windowKeys,
            Variable windowValues) {
    }

    /** The four weights the layer declares. */
    List<ParameterSpec> specs() {
        List<Integer> weight = List.of(shape.kvHeads() * shape.headDim(), shape.hidden());
        return List.of(new ParameterSpec(SELECT_KEYS, weight, "normal", INIT_STD),
                new ParameterSpec(SELECT_VALUES, weight, "normal", INIT_STD),
                new ParameterSpec(WINDOW_KEYS, weight, "normal", INIT_STD),
                new ParameterSpec(WINDOW_VALUES, weight, "normal", INIT_STD));
    }

    /**
     * The branches' keys and values of {@code hidden [batch, time, hidden]} at
     * {@code positions}, one per time step.
     */
    Projected project(Variable hidden, IntTensor positions, Parameters parameters) {
        return new Projected(keys(hidden, positions, parameters.get(SELECT_KEYS)),
                heads(hidden, parameters.get(SELECT_VALUES)),
                keys(hidden, positions, parameters.get(WINDOW_KEYS)),
                heads(hidden, parameters.get(WINDOW_VALUES)));
    }

    private Variable keys(Variable hidden, IntTensor positions, Variable weight) {
        return hidden.ops().rope(heads(hidden, weight), 1, positions, shape.headDim(),
                shape.ropeTheta());
    }

    /** {@code hidden @ weight^T}, split into kv heads. */
    private Variable heads(Variable hidden, Variable weight) {
        Ops ops = hidden.ops();
        int[] x = hidden.shape();
        return ops.reshape(ops.linear(hidden, weight), x[0], x[1],
                shape.kvHeads(), shape.headDim());
    }
}
