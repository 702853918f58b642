package org.sparsa.core.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.tensor.DenseTensor;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's {@code AdamW} computes
 * it: for each parameter {@code p} with gradient {@code g} at its step {@code t},
 * <pre>
 *   m = beta1 m + (1 - beta1) g          v = beta2 v + (1 - beta2) g²
 *   p = p (1 - lr wd)                    p = p - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 *
 * <p>Parameters are matched by full name in the store. A parameter that is frozen or has no
 * gradient is skipped: its value, moments and step count stay as they are. Moments are kept as
 * {@code float[]}; each element's update is computed in double and rounded once, element by
 * element, so results do not depend on threads or hardware. New values replace the old through
 * {@link ParameterStore#replace} (tensors are never changed in place, so graphs already
 * recorded keep the values they saw). Not thread-safe.
 */
public final class AdamW {
    private final ParameterStore store;
    private final AdamWOptions options;
    private final Predicate<String> decayed;
    private final ToDoubleFunction<String> lrScale;
    private final Map<String, float[][]> moments = new LinkedHashMap<>();
    private final Map<String, Long> parameterSteps = new LinkedHashMap<>();
    private long steps;

    /** AdamW over every parameter of {@code store}, decaying all of them by the options' rate. */
    public AdamW(ParameterStore store, AdamWOptions options) {
        this(store, options, name -> true);
    }

    /**
     * AdamW over every parameter of {@code store}, applying weight decay only to those whose
     * full name {@code decayed} accepts (norm weights and biases are usually left out).
     */
    public AdamW(ParameterStore store, AdamWOptions options, Predicate<String> decayed) {
        this(store, options, decayed, name -> 1);
    }

    /**
     * AdamW whose step at rate {@code lr} moves the parameter named {@code n} at
     * {@code lr * lrScale(n)}, decay included: PyTorch's parameter groups with their own rates,
     * all following one schedule.
     *
     * @param lrScale a finite, non-negative factor per full parameter name
     */
    public AdamW(ParameterStore store, AdamWOptions options, Predicate<String> decayed,
            ToDoubleFunction<String> lrScale) {
        this.store = Objects.requireNonNull(store, "store");
        this.options = Objects.requireNonNull(options, "options");
        this.decayed = Objects.requireNonNull(decayed, "decayed");
        this.lrScale = Objects.requireNonNull(lrScale, "lrScale");
    }

    /**
     * The rate the parameter named {@code name} moves at when a step is taken at {@code lr}.
     *
     * @throws IllegalArgumentException when the parameter's factor is negative or not finite
     */
    public double learningRate(String name, double lr) {
        double scale = lrScale.applyAsDouble(name);
        AdamWOptions.checkLearningRate(scale, "learning-rate factor of '" + name + "'");
        return lr * scale;
    }

    /** The hyperparameters. */
    public AdamWOptions options() {
        return options;
    }

    /** The store whose parameters this optimiser updates. */
    public ParameterStore store() {
        return store;
    }

    /** The number of steps taken (calls of {@link #step}), restored by {@link #restore}. */
    public long steps() {
        return steps;
    }

    /**
     * One step at the options' learning rate.
     *
     * @return the names of the parameters updated
     */
    public List<String> step() {
        return step(options.lr());
    }

    /**
     * One step at learning rate {@code lr} (from a schedule), over every parameter that has a
     * gradient, in the store's order.
     *
     * @return the names of the parameters updated
     * @throws IllegalArgumentException if {@code lr} is negative or not finite
     */
    public List<String> step(double lr) {
        AdamWOptions.checkLearningRate(lr, "learning rate");
        List<String> updated = new ArrayList<>();
        for (Variable parameter : store) {
            Optional<Tensor> grad = parameter.grad();
            if (!parameter.requiresGrad() || grad.isEmpty()) {
                continue;
            }
            String name = parameter.name().orElseThrow();
            update(name, parameter, DenseTensor.of(grad.get()).data(),
                    learningRate(name, lr));
            updated.add(name);
        }
        steps++;
        return updated;
    }

    private void update(String name, Variable parameter, float[] grad, double lr) {
        DenseTensor value = DenseTensor.of(parameter.value());
        float[] p = value.data();
        float[][] mv = moments.computeIfAbsent(name, n -> new float[][] {
                new float[p.length], new float[p.length]});
        float[] m = mv[0];
        float[] v = mv[1];
        long t = parameterSteps.merge(name, 1L, Long::sum);
        double beta1 = options.beta1();
        double beta2 = options.beta2();
        double correction1 = 1 - StrictMath.pow(beta1, t);
        double sqrtCorrection2 = StrictMath.sqrt(1 - StrictMath.pow(beta2, t));
        double keep = 1 - lr * (decayed.test(name) ? options.weightDecay() : 0);
        double stepSize = lr / correction1;
        double eps = options.eps();
        float[] next = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            double g = grad[i];
            m[i] = (float) (beta1 * m[i] + (1 - beta1) * g);
            v[i] = (float) (beta2 * v[i] + (1 - beta2) * g * g);
            double denominator = Math.sqrt(v[i]) / sqrtCorrection2 + eps;
            next[i] = (float) (p[i] * keep - stepSize * m[i] / denominator);
        }
        store.replace(name, DenseTensor.wrap(next, value.shapeView()));
    }

    /**
     * A snapshot of the state, for a checkpoint; later steps do not change it.
     */
    public AdamWState state() {
        Map<String, AdamWState.Moments> parameters = new LinkedHashMap<>();
        for (String name : store.names()) {
            float[][] mv = moments.get(name);
            if (mv != null) {
                parameters.put(name, new AdamWState.Moments(mv[0].clone(), mv[1].clone(),
                        parameterSteps.get(name)));
            }
        }
        return new AdamWState(steps, parameters);
    }

    /**
     * Replaces the whole state by {@code state}, as {@link #state()} made it. Nothing changes
     * when it does not fit the store.
     *
     * @throws IllegalArgumentException naming the parameter when the state has one the store
     *     lacks or one whose size differs
     */
    public void restore(AdamWState state) {
        Objects.requireNonNull(state, "state");
        for (Map.Entry<String, AdamWState.Moments> e : state.parameters().entrySet()) {
            if (!store.contains(e.getKey())) {
                throw new IllegalArgumentException("AdamW restore: the state has parameter '"
                        + e.getKey() + "', which the store lacks");
            }
            int size = store.get(e.getKey()).value().size();
            if (e.getValue().expAvg().length != size) {
                throw new IllegalArgumentException("AdamW restore: parameter '" + e.getKey()
                        + "' has " + size + " values in the store but "
                        + e.getValue().expAvg().length + " in the state (shape "
                        + Arrays.toString(store.get(e.getKey()).shape()) + ")");
            }
        }
        moments.clear();
        parameterSteps.clear();
        for (Map.Entry<String, AdamWState.Moments> e : state.parameters().entrySet()) {
            AdamWState.Moments s = e.getValue();
            moments.put(e.getKey(), new float[][] {s.expAvg().clone(), s.expAvgSq().clone()});
            parameterSteps.put(e.getKey(), s.steps());
        }
        steps = state.steps();
    }

    @Override
    public String toString() {
        return "AdamW(" + options + ", " + steps + " steps)";
    }
}
