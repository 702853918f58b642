package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;

/**
 * What the op classes share: the backend that does the math, the recording mode, and how
 * results join the graph. One engine backs one {@link Ops} instance.
 */
public final class Engine {
    private final Backend backend;
    private final Ops ops;
    // Recording is per thread, as an evaluation thread must not switch it off for a training one.
    private final ThreadLocal<boolean[]> recording = ThreadLocal.withInitial(() ->
            new boolean[] {true});

    /**
     * @param backend the kernels
     * @param ops the op set variables report as theirs
     */
    public Engine(Backend backend, Ops ops) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.ops = Objects.requireNonNull(ops, "ops");
    }

    /** The kernels. */
    public Backend backend() {
        return backend;
    }

    /** The op set this engine backs. */
    public Ops ops() {
        return ops;
    }

    /** Whether ops on this thread record the graph. */
    public boolean isRecording() {
        return recording.get()[0];
    }

    /** Switches recording off on this thread until the scope closes (nestable). */
    public GradScope noGrad() {
        boolean[] mode = recording.get();
        boolean previous = mode[0];
        mode[0] = false;
        return new GradScope() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    recording.get()[0] = previous;
                }
            }
        };
    }

    // --- variables ------------------------------------------------------------------------------

    /** A leaf holding {@code value}. */
    public TensorVariable leaf(DenseTensor value, boolean requiresGrad, String name) {
        return TensorVariable.leaf(this, value, requiresGrad, name);
    }

    /**
     * {@code v} as this engine's variable.
     *
     * @throws IllegalArgumentException naming {@code op} and {@code what} when {@code v} is null
     *     or belongs to another op set
     */
    public TensorVariable unwrap(Variable v, String op, String what) {
        if (v == null) {
            throw new IllegalArgumentException(op + ": " + what + " is null");
        }
        if (!(v instanceof TensorVariable tv) || tv.ops() != ops) {
            throw new IllegalArgumentException(op + ": " + what
                    + " belongs to another op set (backend " + v.ops().backend()
                    + "); variables cannot be mixed across op sets");
        }
        return tv;
    }

    /** Whether an op on {@code inputs} is recorded: recording is on and one needs a gradient. */
    public boolean records(TensorVariable... inputs) {
        if (!isRecording()) {
            return false;
        }
        for (TensorVariable input : inputs) {
            if (input != null && input.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The variable holding the result {@code value} of {@code op} on {@code inputs}: a node with
     * {@code backward} when the op is recorded, a constant otherwise.
     */
    public Variable result(String op, DenseTensor value, Backward backward,
            TensorVariable... inputs) {
        if (!records(inputs)) {
            return TensorVariable.leaf(this, value, false, null);
        }
        Node node = new OpNode(op, inputs, value.shape(), backward);
        return TensorVariable.output(this, value, node, 0);
    }

    /** The variables holding the outputs of {@code node}, which was recorded. */
    List<Variable> results(Node node, DenseTensor[] values) {
        Variable[] out = new Variable[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = TensorVariable.output(this, values[i], node, i);
        }
        return List.of(out);
    }

    // --- tensor helpers shared by the ops -------------------------------------------------------

    /** {@code a + b} for tensors of one shape (gradient accumulation). */
    public DenseTensor add(DenseTensor a, DenseTensor b) {
        int[] shape = a.shapeView();
        if (!Arrays.equals(shape, b.shapeView())) {
            throw new IllegalStateException("gradient of shape " + Arrays.toString(b.shapeView())
                    + " added to one of shape " + Arrays.toString(shape));
        }
        float[] out = new float[a.size()];
        backend.binary(BinaryFunction.ADD, a.data(), shape, b.data(), shape, out, shape);
        return DenseTensor.wrap(out, shape);
    }

    /** {@code x * factor}. */
    public DenseTensor scale(DenseTensor x, float factor) {
        float[] out = new float[x.size()];
        backend.scale(x.data(), factor, out);
        return DenseTensor.wrap(out, x.shapeView());
    }
}
