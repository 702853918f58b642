package org.sparsa.runner.internal.bench;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.parameter.ParameterStore;

/**
 * {@code attention}: one causal attention layer of each plugin on one sequence of {@code T}
 * positions, the baseline's {@code attn(q, k, v)} over {@code [1, H, T, D]}. The layer is made
 * by the plugin service with its configuration (its defaults unless {@code --config} names
 * them) and runs in its default mode (DSA: {@code sparse}); its own parameters are initialised
 * from the seed. Queries, keys, values and the layer input the gates and indexers read are
 * seeded normal values that collect gradients, as the baseline's do.
 *
 * <p>{@code fwd_seconds} times {@link AttentionLayer#forward} recording the graph;
 * {@code fwd_bwd_seconds} times the forward and the backward of the output's sum plus the
 * layer's auxiliary losses (the DSA indexer's), as a training step would run them. The model's
 * q/k/v/o projections are outside, as in the baseline.
 *
 * @param plugins the attention plugin ids
 * @param lengths the values of {@code T}; the baseline's are 1024, 4096 and 8192
 * @param heads query heads {@code H}; the baseline's 4
 * @param kvHeads key/value heads; the baseline's full attention has one per query head
 * @param headDim width {@code D} of a head; the baseline's 64
 * @param passes which passes are timed
 */
public record AttentionWorkload(List<String> plugins, List<Integer> lengths, int heads,
        int kvHeads, int headDim, AttentionPasses passes) implements Workload {
    /** The baseline's sequence lengths. */
    public static final List<Integer> BASELINE_LENGTHS = List.of(1024, 4096, 8192);
    /** The baseline's query heads. */
    public static final int BASELINE_HEADS = 4;
    /** The baseline's head width. */
    public static final int BASELINE_HEAD_DIM = 64;

    public AttentionWorkload {
        plugins = List.copyOf(plugins);
        lengths = List.copyOf(lengths);
        if (plugins.isEmpty()) {
            throw new IllegalArgumentException("attention: --plugin names no plugin");
        }
        for (int t : lengths) {
            if (t < 1) {
                throw new IllegalArgumentException("attention: --lengths must be positive, "
                        + "found " + t);
            }
        }
        if (headDim < 1) {
            throw new IllegalArgumentException("attention: --head-dim must be positive, found "
                    + headDim);
        }
        // Checks that the heads group.
        new AttentionShape(0, heads * headDim, heads, kvHeads, headDim, 1);
    }

    @Override
    public String name() {
        return "attention";
    }

    @Override
    public int baselineRepeats() {
        return 3;
    }

    @Override
    public void run(BenchContext context, Consumer<Measurement> sink) {
        MedianTimer timer = context.timer(baselineRepeats());
        for (String id : plugins) {
            for (int length : lengths) {
                sink.accept(measure(context, timer, id, length));
            }
        }
    }

    private Measurement measure(BenchContext context, MedianTimer timer, String id, int length) {
        Layer layer = new Layer(context, id, length);
        Measurement measurement = Measurement.of(name(), context.backendName())
                .with(Measurement.PLUGIN, id)
                .with("T", length)
                .with("H", heads)
                .with("D", headDim)
                .with("kv_heads", kvHeads);
        if (passes.forward()) {
            measurement = measurement.with("fwd_seconds", timer.seconds(() -> {
                AttentionInput input = layer.input();
                return () -> layer.forward(input);
            }));
        }
        if (passes.forwardBackward()) {
            measurement = measurement.with("fwd_bwd_seconds", timer.seconds(() -> {
                layer.store.zeroGrad();
                AttentionInput input = layer.input();
                return () -> layer.lossOf(layer.forward(input)).backward();
            }));
        }
        return measurement;
    }

    /** One plugin's layer at one length, with its parameters and the seeded inputs' values. */
    private final class Layer {
        final ParameterStore store;
        final Autograd ops;
        final AttentionLayer attention;
        final Parameters parameters;
        final String mode;
        final float[] hidden;
        final float[] q;
        final float[] k;
        final float[] v;
        final IntTensor positions;
        final int length;

        Layer(BenchContext context, String id, int length) {
            this.length = length;
            ops = new Autograd(context.backend());
            store = new ParameterStore(ops, context.seed());
            AttentionShape shape = new AttentionShape(0, heads * headDim, heads, kvHeads,
                    headDim, length);
            AttentionPlugin plugin = context.attention(id);
            PluginConfig config = context.configOf(id);
            parameters = store.create("attention.", plugin.parameterSpecs(shape, config));
            attention = plugin.create(shape, config);
            mode = attention.modes().iterator().next();
            hidden = context.gaussian("attention.hidden", length * heads * headDim);
            q = context.gaussian("attention.q", length * heads * headDim);
            k = context.gaussian("attention.k", length * kvHeads * headDim);
            v = context.gaussian("attention.v", length * kvHeads * headDim);
            positions = IntTensor.vector(IntStream.range(0, length).toArray());
        }

        /** Fresh leaves, so that gradients of one run never add to the next one's. */
        AttentionInput input() {
            return new AttentionInput(
                    ops.leaf(ops.tensor(hidden, 1, length, heads * headDim)),
                    ops.leaf(ops.tensor(q, 1, length, heads, headDim)),
                    ops.leaf(ops.tensor(k, 1, length, kvHeads, headDim)),
                    ops.leaf(ops.tensor(v, 1, length, kvHeads, headDim)),
                    positions);
        }

        AttentionOutput forward(AttentionInput input) {
            return attention.forward(input, parameters, mode);
        }

        /** The output's sum plus the auxiliary losses: what the backward starts from. */
        Variable lossOf(AttentionOutput output) {
            Variable loss = ops.sum(output.output(), false);
            for (Map.Entry<String, Variable> auxiliary : output.auxiliaryLosses().entrySet()) {
                loss = ops.add(loss, ops.sum(auxiliary.getValue(), false));
            }
            return loss;
        }
    }
}
