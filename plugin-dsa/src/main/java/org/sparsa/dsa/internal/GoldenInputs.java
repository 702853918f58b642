package org.sparsa.dsa.internal;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.attention.OpenClFullAttention;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * What the DSA golden ops share: the backends they run on, the case's tensors as variables
 * (those whose gradient the case expects as leaves, the others as constants), its {@code top_k}
 * and the gradients it expects.
 */
final class GoldenInputs {
    private final String op;
    private final GoldenCase goldenCase;
    private final Autograd ops;
    private final Map<String, Variable> variables = new LinkedHashMap<>();

    private GoldenInputs(String op, GoldenCase goldenCase, Autograd ops) {
        this.op = op;
        this.goldenCase = goldenCase;
        this.ops = ops;
    }

    /** Java always; OpenCL too when a device is present, the test the OpenCL backend makes. */
    static Set<BackendKind> backends() {
        return OpenClFullAttention.isAvailable()
                ? EnumSet.of(BackendKind.JAVA, BackendKind.OPENCL)
                : EnumSet.of(BackendKind.JAVA);
    }

    /**
     * Reads {@code inputs} (full names, {@code in.q}) of {@code goldenCase}; those named in
     * {@code learnable} become leaves.
     *
     * @throws IllegalArgumentException naming the op and the first tensor the case lacks
     */
    static GoldenInputs read(String op, GoldenCase goldenCase, Autograd ops, String[] inputs,
            Set<String> learnable) {
        GoldenInputs read = new GoldenInputs(op, goldenCase, ops);
        for (String name : inputs) {
            if (!goldenCase.has(name)) {
                throw new IllegalArgumentException(op + ": the case has no " + name);
            }
            Tensor value = ops.tensor(goldenCase.floats(name), goldenCase.shape(name));
            read.variables.put(name, learnable.contains(name) ? ops.leaf(value)
                    : ops.constant(value));
        }
        return read;
    }

    /** The variable of input {@code name}. */
    Variable get(String name) {
        return variables.get(name);
    }

    /** The case's {@code top_k}. */
    int topK() {
        Object value = goldenCase.config().get("top_k");
        if (!(value instanceof Integer k) || k < 1) {
            throw new IllegalArgumentException(op + ": config 'top_k' must be a positive "
                    + "integer, found " + value);
        }
        return k;
    }

    /**
     * When the case has {@code dout.NAME}, back-propagates {@code sum(out * dout)} and puts
     * {@code grad.X} of every leaf input {@code in.X} (zeros where none reached it).
     */
    void putGradients(String name, Variable out, GoldenOutputs outputs) {
        String dout = "dout." + name;
        if (!goldenCase.has(dout)) {
            return;
        }
        Variable weights = ops.constant(goldenCase.floats(dout), goldenCase.shape(dout));
        ops.sum(ops.mul(out, weights), false).backward();
        variables.forEach((input, variable) -> {
            if (variable.requiresGrad()) {
                outputs.put("grad." + input.substring(input.indexOf('.') + 1),
                        variable.grad().map(Tensor::toArray)
                                .orElseGet(() -> new float[variable.value().size()]));
            }
        });
    }
}
