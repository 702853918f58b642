package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import org.sparsa.core.tensor.DenseTensor;

/**
 * One recorded op application: the inputs gradients flow to and the rule that computes them. A
 * node keeps only the inputs that need a gradient, so constants and frozen parameters are never
 * visited by the backward pass.
 */
public abstract class Node {
    private final String op;
    private final TensorVariable[] inputs;
    private final int[][] inputShapes;
    private final boolean[] needsGradient;
    private final int[][] outputShapes;

    /**
     * @param op the op's name, for error messages
     * @param inputs every input of the op, in order (those that need no gradient are dropped)
     * @param outputShapes the shape of each output
     */
    protected Node(String op, TensorVariable[] inputs, int[][] outputShapes) {
        this.op = op;
        this.inputs = new TensorVariable[inputs.length];
        this.inputShapes = new int[inputs.length][];
        this.needsGradient = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] != null && inputs[i].requiresGrad()) {
                this.inputs[i] = inputs[i];
                this.needsGradient[i] = true;
            }
            this.inputShapes[i] = inputs[i] == null ? null : inputs[i].shape();
        }
        this.outputShapes = outputShapes;
    }

    /** The op's name. */
    public final String op() {
        return op;
    }

    /** The number of inputs, those that need no gradient included. */
    final int inputCount() {
        return inputs.length;
    }

    /** Input {@code i}, or null when it needs no gradient. */
    final TensorVariable input(int i) {
        return inputs[i];
    }

    /** The shape input {@code i} had when the op ran. */
    final int[] inputShape(int i) {
        return inputShapes[i];
    }

    /** Which inputs need a gradient (a copy is not made: do not change it). */
    protected final boolean[] needsGradient() {
        return needsGradient;
    }

    /** The number of outputs. */
    final int outputCount() {
        return outputShapes.length;
    }

    /** The shape of output {@code i}. */
    final int[] outputShape(int i) {
        return outputShapes[i];
    }

    /**
     * The gradient with respect to each input from those with respect to each output (zeros
     * for outputs the loss does not depend on); null entries for inputs that need none.
     */
    protected abstract DenseTensor[] backward(DenseTensor[] outputGradients);

    @Override
    public String toString() {
        return op + Arrays.deepToString(inputShapes);
    }
}
