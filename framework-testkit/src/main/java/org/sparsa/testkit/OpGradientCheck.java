package org.sparsa.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;

/**
 * Checks the backward of an op (built-in or a plugin's {@code DifferentiableFunction}) against
 * central finite differences of its forward, on whichever backend an {@link Ops} runs:
 *
 * <pre>{@code
 * OpGradientCheck.of(ops, in -> ops.matmul(in.get(0), in.get(1)))
 *         .check(OpGradientCheck.random(ops, 1, 3, 4), OpGradientCheck.random(ops, 2, 4, 2));
 * }</pre>
 *
 * <p>The loss is {@code sum(op(inputs) * w)} with fixed random weights {@code w}, so every output
 * value is checked, each with a different weight. The analytic gradient comes from
 * {@link Variable#backward()}; the numeric one perturbs each input value by {@code ±step} and
 * {@code ±step/2} (in float32, dividing by the step actually taken), evaluates the op in float32
 * without recording, forms the weighted sums and difference quotients in float64 and combines
 * the two quotients by Richardson extrapolation, which cancels their leading truncation error.
 *
 * <p>Float32 evaluation limits the accuracy of the difference quotient. With the defaults (step
 * {@value #DEFAULT_STEP}, tolerance {@code |analytic - numeric| <= atol + rtol * |numeric|} with
 * atol {@value #DEFAULT_ATOL} and rtol {@value #DEFAULT_RTOL}) correct gradients of the built-in
 * ops on inputs of order 1 and a few dozen values stay below a tenth of the tolerance, while a
 * backward off by 5% fails. Keep shapes small (the rounding noise grows with the number of
 * outputs, the cost with inputs times outputs), inputs of order 1, and away from kinks
 * ({@code relu} at 0) and singularities ({@code log} at 0).
 */
public final class OpGradientCheck {
    /** The default perturbation: large against float32 rounding, small against curvature. */
    public static final double DEFAULT_STEP = 1e-2;
    /** The default absolute tolerance. */
    public static final double DEFAULT_ATOL = 1e-3;
    /** The default relative tolerance. */
    public static final double DEFAULT_RTOL = 5e-3;

    private final Ops ops;
    private final Function<List<Variable>, Variable> op;
    private double step = DEFAULT_STEP;
    private double atol = DEFAULT_ATOL;
    private double rtol = DEFAULT_RTOL;
    private long seed = 0x5eed;
    private boolean[] constant = new boolean[0];

    private OpGradientCheck(Ops ops, Function<List<Variable>, Variable> op) {
        this.ops = Objects.requireNonNull(ops, "ops");
        this.op = Objects.requireNonNull(op, "op");
    }

    /**
     * A check of {@code op}, a function of the input variables (in the order given to
     * {@link #check}) that applies the op under test with {@code ops}.
     */
    public static OpGradientCheck of(Ops ops, Function<List<Variable>, Variable> op) {
        return new OpGradientCheck(ops, op);
    }

    /** The perturbation of each input value (default {@value #DEFAULT_STEP}). */
    public OpGradientCheck step(double h) {
        if (!(h > 0)) {
            throw new IllegalArgumentException("step " + h + " must be positive");
        }
        this.step = h;
        return this;
    }

    /** The tolerance {@code atol + rtol * |numeric|} per gradient component. */
    public OpGradientCheck tolerance(double absolute, double relative) {
        this.atol = absolute;
        this.rtol = relative;
        return this;
    }

    /** The seed of the loss weights. */
    public OpGradientCheck seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * Passes inputs {@code indices} to the op as constants (no gradient is checked for them),
     * which is also how to check that an op handles inputs that need no gradient.
     */
    public OpGradientCheck constant(int... indices) {
        int size = Arrays.stream(indices).max().orElse(-1) + 1;
        constant = Arrays.copyOf(constant, Math.max(constant.length, size));
        for (int i : indices) {
            constant[i] = true;
        }
        return this;
    }

    /**
     * Asserts that the analytic gradient of every non-constant input matches finite
     * differences; the failure names the input, the component and both values.
     *
     * @return the comparison, for tests that want to look further
     */
    public Result check(Tensor... inputs) {
        Result result = compare(inputs);
        if (result.failure != null) {
            fail(result.failure);
        }
        return result;
    }

    /** Compares analytic and numeric gradients without asserting. */
    public Result compare(Tensor... inputs) {
        List<Tensor> values = List.of(inputs);
        // Analytic: one backward pass through the op.
        List<Variable> variables = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            variables.add(isConstant(i) ? ops.constant(inputs[i]) : ops.leaf(inputs[i]));
        }
        Variable out = op.apply(variables);
        float[] weights = weights(out.value().size());
        Variable loss = ops.sum(ops.mul(out, ops.constant(weights, out.shape())), false);
        if (loss.requiresGrad()) {
            loss.backward();
        }

        double worstError = 0;
        double worstRatio = 0;
        String failure = null;
        for (int i = 0; i < inputs.length && failure == null; i++) {
            if (isConstant(i)) {
                continue;
            }
            float[] analytic = variables.get(i).grad().map(Tensor::toArray)
                    .orElse(new float[inputs[i].size()]);
            double[] numeric = numericGradient(values, i, weights);
            for (int j = 0; j < numeric.length; j++) {
                double error = Math.abs(analytic[j] - numeric[j]);
                double allowed = atol + rtol * Math.abs(numeric[j]);
                worstError = Math.max(worstError, error);
                worstRatio = Math.max(worstRatio, error / allowed);
                if (!(error <= allowed) && failure == null) {
                    failure = "gradient of input " + i + " " + Arrays.toString(inputs[i].shape())
                            + ", component " + j + " " + position(inputs[i].shape(), j)
                            + ": analytic " + analytic[j] + ", finite differences " + numeric[j]
                            + " (error " + error + ", allowed " + allowed + ")";
                }
            }
        }
        return new Result(worstError, worstRatio, failure);
    }

    /**
     * {@code d loss / d inputs[i]} by central differences with steps {@code h} and {@code h/2},
     * combined by Richardson extrapolation: {@code (4 D(h/2) - D(h)) / 3} cancels the
     * {@code h^2} truncation term, which leaves a step large enough to keep float32 rounding
     * small yet accurate where the op curves sharply (a row of small norm in RMSNorm).
     */
    private double[] numericGradient(List<Tensor> inputs, int i, float[] weights) {
        float[][] data = new float[inputs.size()][];
        for (int k = 0; k < data.length; k++) {
            data[k] = inputs.get(k).toArray();
        }
        float[] x = data[i];
        double[] gradient = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            double coarse = difference(inputs, data, weights, x, j, step);
            double fine = difference(inputs, data, weights, x, j, step / 2);
            gradient[j] = (4 * fine - coarse) / 3;
        }
        return gradient;
    }

    /** The central difference quotient for component {@code j} of {@code x} with step h. */
    private double difference(List<Tensor> inputs, float[][] data, float[] weights, float[] x,
            int j, double h) {
        float original = x[j];
        // The perturbed values are floats: divide by the step actually taken.
        float up = (float) (original + h);
        float down = (float) (original - h);
        x[j] = up;
        double lossUp = loss(inputs, data, weights);
        x[j] = down;
        double lossDown = loss(inputs, data, weights);
        x[j] = original;
        return (lossUp - lossDown) / ((double) up - (double) down);
    }

    /** {@code sum(op(inputs) * w)} in float64, from the op evaluated in float32. */
    @SuppressWarnings("try") // the scope only needs closing
    private double loss(List<Tensor> inputs, float[][] data, float[] weights) {
        try (GradScope scope = ops.noGrad()) {
            List<Variable> variables = new ArrayList<>();
            for (int k = 0; k < data.length; k++) {
                variables.add(ops.constant(data[k], inputs.get(k).shape()));
            }
            float[] out = op.apply(variables).value().toArray();
            double sum = 0;
            for (int k = 0; k < out.length; k++) {
                sum += (double) out[k] * weights[k];
            }
            return sum;
        }
    }

    /** Loss weights: random magnitudes in [0.5, 1.5) with random signs, none near zero. */
    private float[] weights(int size) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[size];
        for (int k = 0; k < size; k++) {
            double magnitude = 0.5 + random.nextDouble();
            w[k] = (float) (random.nextBoolean() ? magnitude : -magnitude);
        }
        return w;
    }

    private boolean isConstant(int i) {
        return i < constant.length && constant[i];
    }

    private static String position(int[] shape, int flat) {
        int[] position = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            position[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(position);
    }

    /**
     * A tensor of uniform random values in {@code [-1, 1)}.
     *
     * @param seed the values' seed
     */
    public static Tensor random(Ops ops, long seed, int... shape) {
        return uniform(ops, seed, -1, 1, shape);
    }

    /** A tensor of uniform random values in {@code [low, high)}. */
    public static Tensor uniform(Ops ops, long seed, double low, double high, int... shape) {
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (low + (high - low) * random.nextDouble());
        }
        return ops.tensor(values, shape);
    }

    /**
     * What a comparison found.
     *
     * @param worstError the largest {@code |analytic - numeric|}
     * @param worstRatio the largest error as a fraction of what the tolerance allows (below 1
     *     passes)
     * @param failure the first component out of tolerance, described; null when all pass
     */
    public record Result(double worstError, double worstRatio, String failure) {
        /** Whether every component was within tolerance. */
        public boolean passed() {
            return failure == null;
        }
    }
}
