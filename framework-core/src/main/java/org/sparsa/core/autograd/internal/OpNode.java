package org.sparsa.core.autograd.internal;

import org.sparsa.core.tensor.DenseTensor;

/** The node of a built-in single-output op, whose backward is a {@link Backward} rule. */
final class OpNode extends Node {
    private final Backward rule;

    OpNode(String op, TensorVariable[] inputs, int[] outputShape, Backward rule) {
        super(op, inputs, new int[][] {outputShape});
        this.rule = rule;
    }

    @Override
    protected DenseTensor[] backward(DenseTensor[] outputGradients) {
        return rule.apply(outputGradients[0], needsGradient());
    }
}
