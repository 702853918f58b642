package org.sparsa.core.parameter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.autograd.internal.TensorVariable;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * Every parameter of a run, by full name ({@code model.layers.0.self_attn.indexer.wq.weight}),
 * in the order they were created.
 *
 * <p>Initial values depend only on the seed and the parameter's full name: each parameter draws
 * from its own random stream, so adding, removing or reordering parameters leaves the others'
 * values unchanged. Normal values use Box-Muller over SplitMix64 with {@link StrictMath}, which
 * gives the same values on every JVM.
 *
 * <p>Frozen parameters do not require a gradient, so backward passes skip them. Not
 * thread-safe: a run builds and changes its store from one thread.
 */
public final class ParameterStore implements Iterable<Variable> {
    private final Autograd autograd;
    private final long seed;
    private final Map<String, TensorVariable> parameters = new LinkedHashMap<>();

    /**
     * @param autograd the op set the parameters belong to
     * @param seed the seed every initial value derives from
     */
    public ParameterStore(Autograd autograd, long seed) {
        this.autograd = Objects.requireNonNull(autograd, "autograd");
        this.seed = seed;
    }

    /** The op set the parameters belong to. */
    public Autograd autograd() {
        return autograd;
    }

    /** The seed initial values derive from. */
    public long seed() {
        return seed;
    }

    /**
     * Creates and initialises the parameters {@code specs} declare, named {@code prefix} plus the
     * spec's name, and returns the view of {@code prefix}.
     *
     * @throws IllegalArgumentException naming the parameter when one exists already or its shape
     *     is invalid
     */
    public Parameters create(String prefix, List<ParameterSpec> specs) {
        Objects.requireNonNull(prefix, "prefix");
        for (ParameterSpec spec : specs) {
            create(prefix, spec);
        }
        return view(prefix);
    }

    /** Creates and initialises the parameter {@code prefix + spec.name()}. */
    public Variable create(String prefix, ParameterSpec spec) {
        String name = Objects.requireNonNull(prefix, "prefix") + spec.name();
        if (parameters.containsKey(name)) {
            throw new IllegalArgumentException("parameter '" + name + "' exists already");
        }
        int[] shape = spec.shape().stream().mapToInt(Integer::intValue).toArray();
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("parameter '" + name + "': shape "
                        + Arrays.toString(shape) + " has a dimension below 1");
            }
        }
        if (spec.init().equals("normal") && !(spec.std() >= 0 && Double.isFinite(spec.std()))) {
            throw new IllegalArgumentException("parameter '" + name + "': std " + spec.std()
                    + " must be finite and non-negative");
        }
        float[] values = initialValues(name, spec.init(), spec.std(), Shapes.size(shape));
        TensorVariable variable = (TensorVariable) autograd.parameter(name,
                DenseTensor.wrap(values, shape));
        parameters.put(name, variable);
        return variable;
    }

    private float[] initialValues(String name, String init, double std, int size) {
        float[] values = new float[size];
        switch (init) {
            case "zeros" -> {
                // already zero
            }
            case "ones" -> Arrays.fill(values, 1f);
            case "normal" -> {
                SplittableRandom random = new SplittableRandom(streamSeed(seed, name));
                for (int i = 0; i < size; i += 2) {
                    // Box-Muller: two independent standard normals from two uniforms; 1 - u
                    // lies in (0, 1], so the logarithm is finite.
                    double radius = StrictMath.sqrt(-2 * StrictMath.log(1 - random.nextDouble()));
                    double angle = 2 * StrictMath.PI * random.nextDouble();
                    values[i] = (float) (std * radius * StrictMath.cos(angle));
                    if (i + 1 < size) {
                        values[i + 1] = (float) (std * radius * StrictMath.sin(angle));
                    }
                }
            }
            default -> throw new IllegalArgumentException("parameter '" + name
                    + "': unknown init '" + init + "'");
        }
        return values;
    }

    /** The seed of a parameter's own stream: the run's seed mixed with a hash of its name. */
    static long streamSeed(long seed, String name) {
        long hash = 0xcbf29ce484222325L; // FNV-1a 64 over the name's UTF-8 bytes
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return mix(seed ^ mix(hash));
    }

    /** SplitMix64's finaliser: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * The parameters whose names start with {@code prefix}, named without it; a live view that
     * sees parameters created later.
     */
    public Parameters view(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return new Parameters() {
            @Override
            public Variable get(String name) {
                TensorVariable variable = parameters.get(prefix + name);
                if (variable == null) {
                    throw new IllegalArgumentException("no parameter '" + prefix + name + "'"
                            + (prefix.isEmpty() ? "" : " ('" + name + "' under '" + prefix
                                    + "')"));
                }
                return variable;
            }

            @Override
            public Set<String> names() {
                Set<String> names = new LinkedHashSet<>();
                for (String full : parameters.keySet()) {
                    if (full.startsWith(prefix)) {
                        names.add(full.substring(prefix.length()));
                    }
                }
                return Collections.unmodifiableSet(names);
            }

            @Override
            public String toString() {
                return "Parameters under '" + prefix + "'";
            }
        };
    }

    /**
     * The parameter with full name {@code name}.
     *
     * @throws IllegalArgumentException naming it when there is none
     */
    public Variable get(String name) {
        return require(name);
    }

    /** Whether a parameter has full name {@code name}. */
    public boolean contains(String name) {
        return parameters.containsKey(name);
    }

    /** The full names, in creation order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(parameters.keySet());
    }

    /** The number of parameters. */
    public int size() {
        return parameters.size();
    }

    /** The number of values over all parameters. */
    public long valueCount() {
        long count = 0;
        for (TensorVariable v : parameters.values()) {
            count += v.value().size();
        }
        return count;
    }

    /** The parameters in creation order. */
    @Override
    public Iterator<Variable> iterator() {
        return Collections.<Variable>unmodifiableCollection(parameters.values()).iterator();
    }

    /**
     * Freezes the parameters whose full names match any of {@code globPatterns}: they stop
     * requiring gradients and lose the one they have. In a pattern {@code *} matches any run of
     * characters (dots included) and {@code ?} one character.
     *
     * @return the names frozen by this call, in creation order
     * @throws IllegalArgumentException naming a pattern that matches no parameter (a typo would
     *     otherwise train what was meant to be frozen)
     */
    public List<String> freeze(String... globPatterns) {
        return setRequiresGrad(false, globPatterns);
    }

    /**
     * Unfreezes the parameters whose full names match any of {@code globPatterns}.
     *
     * @return the names unfrozen by this call, in creation order
     * @throws IllegalArgumentException naming a pattern that matches no parameter
     */
    public List<String> unfreeze(String... globPatterns) {
        return setRequiresGrad(true, globPatterns);
    }

    /**
     * The names of the parameters that {@code globPattern} matches, in creation order; the
     * pattern reads as in {@link #freeze}. Empty when none does.
     */
    public List<String> matching(String globPattern) {
        Pattern pattern = glob(globPattern);
        return parameters.keySet().stream().filter(n -> pattern.matcher(n).matches()).toList();
    }

    /** Whether the parameter named {@code name} is frozen. */
    public boolean isFrozen(String name) {
        return !require(name).requiresGrad();
    }

    private List<String> setRequiresGrad(boolean requiresGrad, String... globPatterns) {
        List<Pattern> patterns = new ArrayList<>();
        for (String glob : globPatterns) {
            Pattern pattern = glob(glob);
            if (parameters.keySet().stream().noneMatch(n -> pattern.matcher(n).matches())) {
                throw new IllegalArgumentException((requiresGrad ? "unfreeze" : "freeze")
                        + ": pattern '" + glob + "' matches no parameter");
            }
            patterns.add(pattern);
        }
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, TensorVariable> e : parameters.entrySet()) {
            if (patterns.stream().anyMatch(p -> p.matcher(e.getKey()).matches())) {
                e.getValue().setRequiresGrad(requiresGrad);
                changed.add(e.getKey());
            }
        }
        return changed;
    }

    /** A glob as a regular expression: {@code *} any run of characters, {@code ?} one. */
    static Pattern glob(String glob) {
        Objects.requireNonNull(glob, "pattern");
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    /** Forgets the gradients of every parameter. */
    public void zeroGrad() {
        for (TensorVariable v : parameters.values()) {
            v.zeroGrad();
        }
    }

    /**
     * Replaces the value of parameter {@code name} (loading weights, an optimiser step); the
     * variable stays the same, so views and layers holding it see the new value.
     *
     * @throws IllegalArgumentException naming the parameter when there is none or the shapes
     *     differ
     */
    public void replace(String name, Tensor value) {
        TensorVariable variable = require(name);
        Objects.requireNonNull(value, "value");
        if (!Arrays.equals(variable.value().shapeView(), value.shape())) {
            throw new IllegalArgumentException("parameter '" + name + "': cannot replace a value "
                    + "of shape " + Arrays.toString(variable.value().shapeView())
                    + " by one of shape " + Arrays.toString(value.shape()));
        }
        variable.setValue(DenseTensor.of(value));
    }

    /**
     * Replaces the accumulated gradient of parameter {@code name} (gradient clipping rescales
     * gradients this way).
     *
     * @throws IllegalArgumentException naming the parameter when there is none or the shapes
     *     differ
     * @throws IllegalStateException naming it when it is frozen
     */
    public void setGrad(String name, Tensor grad) {
        TensorVariable variable = require(name);
        variable.setGrad(DenseTensor.of(Objects.requireNonNull(grad, "grad")));
    }

    private TensorVariable require(String name) {
        TensorVariable variable = parameters.get(name);
        if (variable == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return variable;
    }

    @Override
    public String toString() {
        return "ParameterStore of " + parameters.size() + " parameters (seed " + seed + ")";
    }
}
