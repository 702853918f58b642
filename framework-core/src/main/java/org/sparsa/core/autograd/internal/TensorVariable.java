package org.sparsa.core.autograd.internal;

import java.util.Arrays;
import java.util.Optional;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * The engine's {@link Variable}: a value, the node that made it (none for a leaf) and, for a
 * leaf that requires one, the gradient accumulated since the last {@link #zeroGrad()}. Only
 * leaves keep gradients; those of intermediate variables live only during a backward pass.
 *
 * <p>Parameters are named leaves whose value can be replaced (loading weights, optimiser
 * steps) and whose {@link #requiresGrad()} can be switched off (freezing). Nodes keep the
 * tensors they need, never the variable's current value, so replacing a value does not change
 * a graph already recorded.
 */
public final class TensorVariable implements Variable {
    private final Engine engine;
    private final Node creator;
    private final int outputIndex;
    private final String name;
    private DenseTensor value;
    private boolean requiresGrad;
    private DenseTensor grad;

    private TensorVariable(Engine engine, DenseTensor value, Node creator, int outputIndex,
            boolean requiresGrad, String name) {
        this.engine = engine;
        this.value = value;
        this.creator = creator;
        this.outputIndex = outputIndex;
        this.requiresGrad = requiresGrad;
        this.name = name;
    }

    /** A leaf: a constant when {@code requiresGrad} is false, a trainable input otherwise. */
    static TensorVariable leaf(Engine engine, DenseTensor value, boolean requiresGrad,
            String name) {
        return new TensorVariable(engine, value, null, 0, requiresGrad, name);
    }

    /** Output {@code outputIndex} of {@code creator}. */
    static TensorVariable output(Engine engine, DenseTensor value, Node creator,
            int outputIndex) {
        return new TensorVariable(engine, value, creator, outputIndex, true, null);
    }

    @Override
    public DenseTensor value() {
        return value;
    }

    @Override
    public int[] shape() {
        return value.shape();
    }

    /** The shape without copying; read only. */
    int[] shapeView() {
        return value.shapeView();
    }

    /** The values without copying; read only. */
    float[] data() {
        return value.data();
    }

    @Override
    public Optional<Tensor> grad() {
        return Optional.ofNullable(grad);
    }

    @Override
    public void zeroGrad() {
        grad = null;
    }

    @Override
    public boolean requiresGrad() {
        return requiresGrad;
    }

    @Override
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    @Override
    public Ops ops() {
        return engine.ops();
    }

    @Override
    public void backward() {
        new BackwardPass(engine, this).run();
    }

    /** The op that made this variable; null for a leaf. */
    Node creator() {
        return creator;
    }

    /** Which output of {@link #creator()} this is. */
    int outputIndex() {
        return outputIndex;
    }

    /** Whether this variable is a leaf (made by no op). */
    public boolean isLeaf() {
        return creator == null;
    }

    /** Adds {@code gradient} to the accumulated gradient of this leaf. */
    void accumulate(DenseTensor gradient) {
        grad = grad == null ? gradient : engine.add(grad, gradient);
    }

    /**
     * Replaces the accumulated gradient of a leaf that requires one (gradient clipping rescales
     * it this way; tensors are never changed in place, so a new tensor replaces the old).
     *
     * @throws IllegalStateException for a variable made by an op or one that needs no gradient
     * @throws IllegalArgumentException when the shape differs from the value's
     */
    public void setGrad(DenseTensor newGrad) {
        requireLeaf("gradient");
        if (!requiresGrad) {
            throw new IllegalStateException(describe() + ": cannot set the gradient of a "
                    + "variable that needs none (frozen)");
        }
        if (!Arrays.equals(newGrad.shapeView(), value.shapeView())) {
            throw new IllegalArgumentException(describe() + ": gradient has shape "
                    + Arrays.toString(newGrad.shapeView()) + ", expected "
                    + Arrays.toString(value.shapeView()));
        }
        this.grad = newGrad;
    }

    /**
     * Switches gradients on or off for a leaf (freezing a parameter drops its gradient too, so
     * that no stale gradient reaches an optimiser).
     *
     * @throws IllegalStateException for a variable made by an op
     */
    public void setRequiresGrad(boolean requiresGrad) {
        requireLeaf("requiresGrad");
        this.requiresGrad = requiresGrad;
        if (!requiresGrad) {
            grad = null;
        }
    }

    /**
     * Replaces the value of a leaf by one of the same shape.
     *
     * @throws IllegalStateException for a variable made by an op
     * @throws IllegalArgumentException when the shape differs
     */
    public void setValue(DenseTensor newValue) {
        requireLeaf("value");
        if (!Arrays.equals(newValue.shapeView(), value.shapeView())) {
            throw new IllegalArgumentException(describe() + ": new value has shape "
                    + Arrays.toString(newValue.shapeView()) + ", expected "
                    + Arrays.toString(value.shapeView()));
        }
        this.value = newValue;
    }

    private void requireLeaf(String what) {
        if (creator != null) {
            throw new IllegalStateException("cannot set the " + what
                    + " of a variable made by " + creator.op());
        }
    }

    private String describe() {
        return name != null ? "parameter '" + name + "'" : "variable " + value;
    }

    @Override
    public String toString() {
        return "Variable" + Arrays.toString(value.shapeView())
                + (name != null ? " '" + name + "'" : "")
                + (creator != null ? " from " + creator.op() : "")
                + (requiresGrad ? " requiresGrad" : "");
    }
}
