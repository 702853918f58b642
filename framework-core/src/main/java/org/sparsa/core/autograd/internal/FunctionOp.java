package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import java.util.List;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * A custom {@link DifferentiableFunction} (a fused kernel) applied to variables: its forward
 * runs on their values, and when recorded its backward joins the graph like a built-in op's.
 * What the function returns is checked, since a plugin's mistake should name the plugin's
 * class rather than fail somewhere in the engine.
 */
public final class FunctionOp {

    private FunctionOp() {
    }

    /** The outputs of {@code function} on {@code inputs}. */
    public static List<Variable> apply(Engine engine, DifferentiableFunction function,
            Variable... inputVariables) {
        if (function == null) {
            throw new IllegalArgumentException("apply: function is null");
        }
        String op = function.getClass().getName();
        Variable[] given = inputVariables == null ? new Variable[0] : inputVariables;
        TensorVariable[] inputs = new TensorVariable[given.length];
        Tensor[] values = new Tensor[given.length];
        for (int i = 0; i < given.length; i++) {
            inputs[i] = engine.unwrap(given[i], op, "input " + i);
            values[i] = inputs[i].value();
        }
        boolean record = engine.records(inputs);
        boolean[] needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = record && inputs[i].requiresGrad();
        }
        CallContext context = new CallContext(engine.backend().kind(), needs);
        Tensor[] results = function.forward(context, values);
        if (results == null || results.length == 0) {
            throw new IllegalStateException(op + " forward: returned no outputs");
        }
        DenseTensor[] outputs = new DenseTensor[results.length];
        int[][] outputShapes = new int[results.length][];
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) {
                throw new IllegalStateException(op + " forward: output " + i + " is null");
            }
            outputs[i] = DenseTensor.of(results[i]);
            outputShapes[i] = outputs[i].shape();
        }
        if (!record) {
            Variable[] constants = new Variable[outputs.length];
            for (int i = 0; i < outputs.length; i++) {
                constants[i] = engine.leaf(outputs[i], false, null);
            }
            return List.of(constants);
        }
        return engine.results(new FunctionNode(op, inputs, outputShapes, function, context),
                outputs);
    }

    /** The node of one call: calls the function's backward and checks what it returns. */
    private static final class FunctionNode extends Node {
        private final DifferentiableFunction function;
        private final CallContext context;

        FunctionNode(String op, TensorVariable[] inputs, int[][] outputShapes,
                DifferentiableFunction function, CallContext context) {
            super(op, inputs, outputShapes);
            this.function = function;
            this.context = context;
        }

        @Override
        protected DenseTensor[] backward(DenseTensor[] outputGradients) {
            Tensor[] grads = function.backward(context, outputGradients);
            if (grads == null || grads.length != inputCount()) {
                throw new IllegalStateException(op() + " backward: returned "
                        + (grads == null ? "null" : grads.length + " gradients") + " for "
                        + inputCount() + " inputs");
            }
            DenseTensor[] out = new DenseTensor[grads.length];
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] == null) {
                    continue; // allowed for inputs that need none; the pass checks the others
                }
                out[i] = DenseTensor.of(grads[i]);
                if (!Arrays.equals(out[i].shapeView(), inputShape(i))) {
                    throw new IllegalStateException(op() + " backward: gradient for input " + i
                            + " has shape " + Arrays.toString(out[i].shapeView())
                            + ", expected the input's shape " + Arrays.toString(inputShape(i)));
                }
            }
            return out;
        }
    }
}
