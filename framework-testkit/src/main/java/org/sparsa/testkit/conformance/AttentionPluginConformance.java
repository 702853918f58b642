package org.sparsa.testkit.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.attention.FullAttentionReference;
import org.sparsa.core.attention.FullAttentionSpec;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.testkit.EachBackend;
import org.sparsa.testkit.OpGradientCheck;
import org.sparsa.testkit.TestBackends;

/**
 * The conformance suite of an attention plugin. A plugin's test extends it and supplies the
 * plugin and a small configuration; every test then runs against each of the layer's modes:
 *
 * <ul>
 *   <li>causality: replacing the inputs after a position leaves every earlier output
 *       bit-identical (and does change later ones);
 *   <li>gradients: on Java, the layer's backward against float32 finite differences
 *       ({@link OpGradientCheck}, its default tolerances) for the hidden states, q, k, v and the
 *       layer's own parameters, and for each auxiliary loss with respect to the parameters, in
 *       the smaller {@link #gradientCheckShape()}; the OpenCL backward is held to Java's by the
 *       backend test;
 *   <li>decode: a prompt prefilled at once, then one position per step, gives the rows of the
 *       parallel forward (when {@link #supportsDecode()});
 *   <li>full attention: in the setting of {@link #reducesToFullAttentionWhen()}, the output is
 *       causal softmax attention computed in float64 by {@link FullAttentionReference};
 *   <li>determinism: two runs from the same seeds give bit-identical outputs, losses and
 *       gradients, on every backend;
 *   <li>backends: Java and OpenCL give the same outputs, losses and gradients within
 *       {@link #backendTolerance()} (skipped without an OpenCL device, required under
 *       {@code CI=true}, as {@link TestBackends} rules).
 * </ul>
 *
 * <p>Shapes are tiny (by default 2 sequences of 13 positions, 4 query heads over 2 kv heads of
 * width 8) so that the suite takes seconds. A test that cannot hold for a plugin is overridden
 * in its subclass with {@code @Disabled} and the reason. Parameters come from a {@link ParameterStore} seeded
 * with {@link #seed()}; inputs are uniform in {@code [-1, 1)}.
 */
public abstract class AttentionPluginConformance {
    /** The prefix the layer's parameters are created under, as the model names layer 0's. */
    protected static final String PREFIX = "model.layers.0.self_attn.";

    /** The plugin under test. */
    protected abstract AttentionPlugin plugin();

    /** A small configuration the suite's properties are checked in. */
    protected abstract PluginConfig config();

    /** The layer's shape; small enough that finite differences stay fast. */
    protected AttentionShape shape() {
        return new AttentionShape(0, 12, 4, 2, 8, 64);
    }

    /** Sequences per batch. */
    protected int batch() {
        return 2;
    }

    /** Positions per sequence. */
    protected int length() {
        return 13;
    }

    /**
     * The layer's shape in the gradient check, smaller still: its cost grows with the number of
     * inputs and parameters times the cost of one forward.
     */
    protected AttentionShape gradientCheckShape() {
        return new AttentionShape(0, 8, 2, 1, 4, 64);
    }

    /** Positions per sequence in the gradient check. */
    protected int gradientCheckLength() {
        return 6;
    }

    /**
     * The configuration of the gradient check. A layer that selects keys (top-k, top-n blocks)
     * is only piecewise smooth: a finite-difference step can flip a selection. Such a plugin
     * returns a setting that selects every key here, leaving the selection constant while the
     * rest of the layer (gates, compression, indexer loss) is still checked.
     */
    protected PluginConfig gradientCheckConfig() {
        return config();
    }

    /** Whether the layer decodes ({@link AttentionLayer#decode}); if not, the decode test skips. */
    protected boolean supportsDecode() {
        return true;
    }

    /** Positions prefilled at once before decoding one at a time. */
    protected int promptLength() {
        return 4;
    }

    /**
     * The configuration in which the plugin must equal full causal attention (a sparse variant
     * whose selection covers every key), or empty when it never does. Parameters may need
     * setting too: see {@link #prepareFullAttentionParameters}.
     */
    protected Optional<PluginConfig> reducesToFullAttentionWhen() {
        return Optional.empty();
    }

    /**
     * Changes freshly initialised parameters before every use (for example scaling an indexer's
     * weights so that its scores spread and select different keys). The default leaves them.
     */
    protected void prepareParameters(Parameters parameters) {
    }

    /**
     * Sets parameters for the full-attention setting, after {@link #prepareParameters} (for
     * example gates that pass one branch only). The default leaves them.
     */
    protected void prepareFullAttentionParameters(Parameters parameters) {
    }

    /** The seed of parameters, inputs and loss weights. */
    protected long seed() {
        return 0x5eedL;
    }

    /** The largest difference allowed between decoded rows and the forward's. */
    protected double decodeTolerance() {
        return 1e-5;
    }

    /** The largest difference allowed from float64 full attention. */
    protected double fullAttentionTolerance() {
        return 2e-5;
    }

    /** The relative difference allowed between backends, {@code tol * max(1, |java|)}. */
    protected double backendTolerance() {
        return 1e-4;
    }

    /** A layer of {@code config} and its parameters on {@code ops}, from {@link #seed()}. */
    private Setup setup(Ops ops, PluginConfig config, boolean full) {
        return setup(ops, config, full, shape());
    }

    private Setup setup(Ops ops, PluginConfig config, boolean full, AttentionShape shape) {
        ParameterStore store = new ParameterStore((Autograd) ops, seed());
        Parameters parameters = store.create(PREFIX, plugin().parameterSpecs(shape, config));
        prepareParameters(parameters);
        if (full) {
            prepareFullAttentionParameters(parameters);
        }
        AttentionLayer layer = plugin().create(shape, config);
        assertFalse(layer.modes().isEmpty(), "the layer declares no mode");
        return new Setup(ops, layer, parameters);
    }

    private record Setup(Ops ops, AttentionLayer layer, Parameters parameters) {
        List<String> modes() {
            return new ArrayList<>(new TreeSet<>(layer.modes()));
        }

        List<String> parameterNames() {
            return new ArrayList<>(new TreeSet<>(parameters.names()));
        }

        AttentionOutput forward(AttentionInput input, String mode) {
            return layer.forward(input, parameters, mode);
        }
    }

    private AttentionValues values(int time, long salt) {
        return AttentionValues.random(shape(), batch(), time, seed() + salt);
    }

    /** Replacing positions after the middle leaves the outputs before it bit-identical. */
    @EachBackend
    public void laterPositionsDoNotChangeEarlierOutputs(Ops ops) {
        Setup setup = setup(ops, config(), false);
        int last = length() / 2 - 1;
        AttentionValues values = values(length(), 1);
        AttentionValues perturbed = values.perturbedAfter(last, seed() + 2);
        int row = shape().heads() * shape().headDim();
        for (String mode : setup.modes()) {
            float[] before = setup.forward(values.on(ops, false), mode).output().value()
                    .toArray();
            float[] after = setup.forward(perturbed.on(ops, false), mode).output().value()
                    .toArray();
            for (int b = 0; b < batch(); b++) {
                int start = b * length() * row;
                assertArrayEquals(Arrays.copyOfRange(before, start, start + (last + 1) * row),
                        Arrays.copyOfRange(after, start, start + (last + 1) * row),
                        "mode " + mode + ", sequence " + b + ": positions 0.." + last
                                + " changed when only later positions did");
            }
            assertFalse(Arrays.equals(before, after),
                    "mode " + mode + ": changing the later positions changed no output");
        }
    }

    /** Output and auxiliary-loss gradients against finite differences, on Java. */
    @Test
    public void gradientsMatchFiniteDifferences() {
        Ops ops = TestBackends.opened().get(0);
        Setup setup = setup(ops, gradientCheckConfig(), false, gradientCheckShape());
        List<String> names = setup.parameterNames();
        AttentionValues values = AttentionValues.random(gradientCheckShape(), 1,
                gradientCheckLength(),
                seed() + 3);
        List<Tensor> inputs = new ArrayList<>(List.of(
                ops.tensor(values.hidden(), values.hiddenShape()),
                ops.tensor(values.q(), values.queryShape()),
                ops.tensor(values.k(), values.keyShape()),
                ops.tensor(values.v(), values.keyShape())));
        for (String name : names) {
            inputs.add(setup.parameters().get(name).value());
        }
        Tensor[] all = inputs.toArray(Tensor[]::new);
        for (String mode : setup.modes()) {
            OpGradientCheck.of(ops, in -> forward(setup, names, in, mode).output())
                    .seed(seed() + 4).check(all);
            AttentionOutput out = forward(setup, names, leaves(ops, all), mode);
            for (String loss : new TreeSet<>(out.auxiliaryLosses().keySet())) {
                // Auxiliary losses train the layer's own parameters; what they read of the
                // inputs is theirs to detach, so only the parameters are checked.
                OpGradientCheck.of(ops, in -> forward(setup, names, in, mode)
                        .auxiliaryLosses().get(loss))
                        .constant(0, 1, 2, 3).seed(seed() + 5).check(all);
            }
            // A check of a gradient that is zero everywhere would prove little.
            List<Variable> leaves = leaves(ops, all);
            Variable output = forward(setup, names, leaves, mode).output();
            ops.sum(ops.mul(output, output), false).backward();
            for (int i = 1; i < 4; i++) {
                float[] grad = leaves.get(i).grad().map(Tensor::toArray).orElse(new float[0]);
                boolean any = false;
                for (float g : grad) {
                    any |= g != 0;
                }
                assertTrue(any, "mode " + mode + ": the output gives " + List.of("q", "k", "v")
                        .get(i - 1) + " no gradient");
            }
        }
    }

    private static List<Variable> leaves(Ops ops, Tensor[] values) {
        List<Variable> out = new ArrayList<>();
        for (Tensor value : values) {
            out.add(ops.leaf(value));
        }
        return out;
    }

    /** The layer applied to {@code in}: hidden, q, k, v, then the parameters in name order. */
    private static AttentionOutput forward(Setup setup, List<String> names, List<Variable> in,
            String mode) {
        AttentionInput input = AttentionValues.input(in.get(0), in.get(1), in.get(2), in.get(3),
                0);
        return setup.layer().forward(input, new ParameterView(names, in.subList(4, in.size())),
                mode);
    }

    /** A prefilled prompt, then one position per step, gives the parallel forward's rows. */
    @EachBackend
    public void decodingStepByStepGivesTheForwardRows(Ops ops) {
        assumeTrue(supportsDecode(), "the plugin does not decode");
        Setup setup = setup(ops, config(), false);
        AttentionValues values = values(length(), 6);
        int row = shape().heads() * shape().headDim();
        for (String mode : setup.modes()) {
            AttentionInput all = values.on(ops, false);
            float[] parallel = setup.forward(all, mode).output().value().toArray();
            KvCache cache = setup.layer().newCache(batch(), length());
            int from = 0;
            while (from < length()) {
                int to = from == 0 ? Math.min(promptLength(), length()) : from + 1;
                AttentionInput step = AttentionValues.input(ops.slice(all.hidden(), 1, from, to),
                        ops.slice(all.q(), 1, from, to), ops.slice(all.k(), 1, from, to),
                        ops.slice(all.v(), 1, from, to), from);
                float[] decoded = setup.layer().decode(step, cache, setup.parameters(), mode)
                        .value().toArray();
                int width = (to - from) * row;
                assertEquals(batch() * width, decoded.length, "mode " + mode
                        + ": decoded values of positions " + from + ".." + (to - 1));
                for (int b = 0; b < batch(); b++) {
                    for (int i = 0; i < width; i++) {
                        assertEquals(parallel[(b * length() + from) * row + i],
                                decoded[b * width + i], decodeTolerance(), "mode " + mode
                                        + ", sequence " + b + ", position " + (from + i / row)
                                        + ", value " + i % row);
                    }
                }
                from = to;
            }
            assertEquals(length(), cache.length(), "mode " + mode + ": positions cached");
        }
    }

    /** In the plugin's full-attention setting, the output is float64 full attention. */
    @EachBackend
    public void reducesToFullAttention(Ops ops) {
        Optional<PluginConfig> config = reducesToFullAttentionWhen();
        assumeTrue(config.isPresent(), "the plugin does not reduce to full attention");
        Setup setup = setup(ops, config.get(), true);
        AttentionValues values = values(length(), 7);
        FullAttentionSpec spec = new FullAttentionSpec(length(), shape().heads(),
                shape().kvHeads(), shape().headDim(), 0);
        for (String mode : setup.modes()) {
            float[] output = setup.forward(values.on(ops, false), mode).output().value()
                    .toArray();
            int width = spec.querySize();
            for (int b = 0; b < batch(); b++) {
                double[] want = FullAttentionReference.forward(spec, values.sequence(values.q(),
                        b), values.sequence(values.k(), b), values.sequence(values.v(), b));
                for (int i = 0; i < width; i++) {
                    assertEquals(want[i], output[b * width + i], fullAttentionTolerance(),
                            "mode " + mode + ", sequence " + b + ", value " + i);
                }
            }
        }
    }

    /** Two runs from the same seeds: outputs, losses and gradients bit-identical. */
    @EachBackend
    public void twoRunsAreBitIdentical(Ops ops) {
        for (String mode : setup(ops, config(), false).modes()) {
            Map<String, float[]> first = run(ops, mode);
            Map<String, float[]> second = run(ops, mode);
            assertEquals(first.keySet(), second.keySet());
            first.forEach((name, values) -> assertArrayEquals(values, second.get(name),
                    "mode " + mode + ": " + name + " differs between two identical runs"));
        }
    }

    /** Outputs, losses and gradients on OpenCL against Java's. */
    @Test
    public void javaAndOpenClAgree() {
        List<Autograd> backends = TestBackends.opened();
        assumeTrue(backends.size() > 1, "no OpenCL device");
        Ops java = backends.get(0);
        for (Autograd device : backends.subList(1, backends.size())) {
            for (String mode : setup(java, config(), false).modes()) {
                Map<String, float[]> want = run(java, mode);
                Map<String, float[]> got = run(device, mode);
                assertEquals(want.keySet(), got.keySet());
                want.forEach((name, values) -> {
                    float[] other = got.get(name);
                    assertEquals(values.length, other.length, name);
                    for (int i = 0; i < values.length; i++) {
                        assertEquals(values[i], other[i],
                                backendTolerance() * Math.max(1, Math.abs(values[i])),
                                "mode " + mode + ": " + name + " value " + i + " on "
                                        + device.backend() + " against Java");
                    }
                });
            }
        }
    }

    /**
     * One forward and backward from fixed seeds: the output, each auxiliary loss, and the
     * gradients of the inputs and parameters of {@code sum(output * w) + sum(losses)}.
     */
    private Map<String, float[]> run(Ops ops, String mode) {
        Setup setup = setup(ops, config(), false);
        AttentionInput input = values(length(), 8).on(ops, true);
        AttentionOutput out = setup.forward(input, mode);
        Map<String, float[]> result = new LinkedHashMap<>();
        result.put("output", out.output().value().toArray());
        SplittableRandom random = new SplittableRandom(seed() + 9);
        float[] weights = new float[out.output().value().size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (2 * random.nextDouble() - 1);
        }
        Variable objective = ops.sum(ops.mul(out.output(),
                ops.constant(weights, out.output().shape())), false);
        for (String loss : new TreeSet<>(out.auxiliaryLosses().keySet())) {
            Variable value = out.auxiliaryLosses().get(loss);
            result.put("loss " + loss, value.value().toArray());
            objective = ops.add(objective, ops.sum(value, false));
        }
        objective.backward();
        List<Variable> inputs = List.of(input.hidden(), input.q(), input.k(), input.v());
        List<String> inputNames = List.of("hidden", "q", "k", "v");
        for (int i = 0; i < inputs.size(); i++) {
            result.put("gradient of " + inputNames.get(i), gradient(inputs.get(i)));
        }
        for (String name : setup.parameterNames()) {
            result.put("gradient of " + name, gradient(setup.parameters().get(name)));
        }
        return result;
    }

    private static float[] gradient(Variable x) {
        return x.grad().map(Tensor::toArray).orElse(new float[x.value().size()]);
    }
}
