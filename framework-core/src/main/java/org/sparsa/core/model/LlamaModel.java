package org.sparsa.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.sparsa.api.attention.AttentionInput;
import org.sparsa.api.attention.AttentionLayer;
import org.sparsa.api.attention.AttentionOutput;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.attention.KvCache;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.internal.MoeFeedForward;
import org.sparsa.core.parameter.ParameterStore;

/**
 * A decoder language model in the Llama layout: token embedding, {@code layers} pre-norm blocks
 * (RMSNorm, attention with RoPE on q and k, residual; RMSNorm, SwiGLU or MoE MLP, residual),
 * a final RMSNorm and the output head. The attention of each layer comes from a plugin; the
 * model owns the q/k/v/o projections around it.
 *
 * <p>Parameters live in a {@link ParameterStore} under their Hugging Face names
 * ({@code model.layers.0.self_attn.q_proj.weight}, weights {@code [out, in]}), so a checkpoint
 * loads by name. The model holds no values itself: replacing a value in the store changes the
 * model.
 */
public final class LlamaModel {
    private static final double INIT_STD = 0.02;
    private static final int IGNORE = -1;

    private final ModelConfig config;
    private final ParameterStore store;
    private final Ops ops;
    private final List<AttentionLayer> attention = new ArrayList<>();
    private final List<AttentionShape> attentionShapes = new ArrayList<>();
    private final List<List<ParameterSpec>> attentionSpecs = new ArrayList<>();
    private final List<Parameters> layerParameters = new ArrayList<>();
    private final List<Parameters> selfAttnParameters = new ArrayList<>();
    private final List<Parameters> mlpParameters = new ArrayList<>();
    private final Variable embedding;
    private final Variable finalNorm;
    private final Variable head;

    /**
     * Declares the model's parameters in {@code store} and makes every layer's attention.
     *
     * @param plugins the attention plugin of each layer, resolved by the caller from
     *     {@link ModelConfig#attentionOf(int)}
     * @throws IllegalArgumentException when there is not one plugin per layer, a parameter exists
     *     already, or a plugin rejects its configuration
     */
    public LlamaModel(ModelConfig config, ParameterStore store, List<AttentionPlugin> plugins) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.ops = store.autograd();
        if (plugins.size() != config.layers()) {
            throw new IllegalArgumentException("llama model: " + plugins.size()
                    + " attention plugins for " + config.layers() + " layers, expected one each");
        }
        int dim = config.dim();
        int q = config.heads() * config.headDim();
        int kv = config.kvHeads() * config.headDim();
        embedding = store.create("model.", normal("embed_tokens.weight", config.vocab(), dim));
        for (int i = 0; i < config.layers(); i++) {
            String prefix = "model.layers." + i + ".";
            List<ParameterSpec> specs = new ArrayList<>(List.of(
                    ones("input_layernorm.weight", dim),
                    normal("self_attn.q_proj.weight", q, dim),
                    normal("self_attn.k_proj.weight", kv, dim),
                    normal("self_attn.v_proj.weight", kv, dim),
                    normal("self_attn.o_proj.weight", dim, q)));
            store.create(prefix, specs);
            AttentionShape shape = new AttentionShape(i, dim, config.heads(), config.kvHeads(),
                    config.headDim(), config.maxSequence(), config.ropeTheta());
            AttentionPlugin plugin = Objects.requireNonNull(plugins.get(i),
                    "attention plugin of layer " + i);
            PluginConfig pluginConfig = config.attentionOf(i).pluginConfig(i);
            List<ParameterSpec> pluginSpecs = List.copyOf(plugin.parameterSpecs(shape,
                    pluginConfig));
            store.create(prefix + "self_attn.", pluginSpecs);
            attention.add(plugin.create(shape, pluginConfig));
            attentionShapes.add(shape);
            attentionSpecs.add(pluginSpecs);
            store.create(prefix, List.of(ones("post_attention_layernorm.weight", dim)));
            store.create(prefix + "mlp.", config.isMoeLayer(i) ? moeSpecs(config.moe(), dim)
                    : swigluSpecs("", dim, config.ffnHidden()));
            layerParameters.add(store.view(prefix));
            selfAttnParameters.add(store.view(prefix + "self_attn."));
            mlpParameters.add(store.view(prefix + "mlp."));
        }
        finalNorm = store.create("model.", ones("norm.weight", dim));
        head = config.tieEmbeddings() ? embedding
                : store.create("", normal("lm_head.weight", config.vocab(), dim));
    }

    /** The configuration the model was built from. */
    public ModelConfig config() {
        return config;
    }

    /** The store holding the parameters. */
    public ParameterStore parameters() {
        return store;
    }

    /** The attention of layer {@code layer}. */
    public AttentionLayer attention(int layer) {
        return attention.get(layer);
    }

    /** The sizes layer {@code layer}'s attention plugin was given. */
    public AttentionShape attentionShape(int layer) {
        return attentionShapes.get(layer);
    }

    /**
     * The parameters layer {@code layer}'s attention plugin declared when the model was built,
     * in the store under {@code model.layers.{layer}.self_attn.}; unmodifiable.
     */
    public List<ParameterSpec> attentionSpecs(int layer) {
        return attentionSpecs.get(layer);
    }

    /**
     * Makes {@code replacement} the attention of layer {@code layer} from the next pass on (a
     * plugin swapped during a run). It receives the same parameters as the layer it replaces,
     * so the caller makes sure its plugin declares exactly {@link #attentionSpecs(int)}: same
     * names, same shapes. Not for use while a pass runs.
     *
     * @return the layer replaced
     */
    public AttentionLayer replaceAttention(int layer, AttentionLayer replacement) {
        return attention.set(layer, Objects.requireNonNull(replacement, "replacement"));
    }

    /** Logits of {@code tokens [B, T]} with every layer's default attention mode. */
    public ModelOutput forward(IntTensor tokens) {
        return forward(tokens, null, null);
    }

    /** Logits of {@code tokens [B, T]} with {@code mode} in every layer. */
    public ModelOutput forward(IntTensor tokens, String mode) {
        return forward(tokens, Collections.nCopies(config.layers(), mode), null);
    }

    /**
     * Logits of {@code tokens [B, T]} at positions {@code 0 .. T - 1}.
     *
     * @param modes each layer's attention mode, or null for the defaults
     * @param replay experts to use in the MoE layers instead of the routers' choice, or null
     */
    public ModelOutput forward(IntTensor tokens, List<String> modes, Routing replay) {
        int time = checkTokens(tokens, 0);
        return pass(tokens, IntTensor.vector(IntStream.range(0, time).toArray()), modes, replay,
                null, null);
    }

    /**
     * The measurements of every attention layer that offers them ({@link AttentionDiagnostics})
     * on a pass over {@code tokens [B, T]}, named {@code layer.{i}.{name}}; empty when no layer
     * does. Records no graph.
     *
     * @param modes each layer's attention mode, or null for the defaults
     */
    public Map<String, Double> diagnostics(IntTensor tokens, List<String> modes) {
        int time = checkTokens(tokens, 0);
        Map<String, Double> diagnostics = new LinkedHashMap<>();
        try (GradScope noGrad = ops.noGrad()) {
            pass(tokens, IntTensor.vector(IntStream.range(0, time).toArray()), modes, null, null,
                    diagnostics);
        }
        return diagnostics;
    }

    /**
     * Mean next-token cross-entropy of {@code tokens [B, T]}: the logits at step {@code t}
     * predict the token at {@code t + 1}.
     */
    public Variable loss(IntTensor tokens) {
        return nextTokenLoss(forward(tokens).logits(), tokens, null);
    }

    /**
     * Mean next-token cross-entropy of {@code logits [B, T, V]} against {@code tokens [B, T]},
     * counting the target at step {@code t >= 1} only where {@code mask [B, T]} is non-zero
     * (every target when {@code mask} is null); 0 when no target counts.
     */
    public static Variable nextTokenLoss(Variable logits, IntTensor tokens, IntTensor mask) {
        int[] shape = tokens.shape();
        if (shape.length != 2 || shape[1] < 2) {
            throw new IllegalArgumentException("next-token loss: tokens of shape "
                    + Arrays.toString(shape) + ", expected [batch, time] with time >= 2");
        }
        if (mask != null && !Arrays.equals(mask.shape(), shape)) {
            throw new IllegalArgumentException("next-token loss: mask of shape "
                    + Arrays.toString(mask.shape()) + ", expected the tokens' "
                    + Arrays.toString(shape));
        }
        int batch = shape[0];
        int time = shape[1];
        int[] targets = new int[batch * (time - 1)];
        for (int b = 0; b < batch; b++) {
            for (int t = 1; t < time; t++) {
                int at = b * time + t;
                targets[b * (time - 1) + t - 1] = mask == null || mask.at(at) != 0
                        ? tokens.at(at) : IGNORE;
            }
        }
        Ops ops = logits.ops();
        return ops.crossEntropy(ops.slice(logits, 1, 0, time - 1),
                IntTensor.of(targets, batch, time - 1), IGNORE);
    }

    /** Fresh caches, one per layer, for decoding {@code batch} sequences of up to {@code maxLength}. */
    public List<KvCache> newCaches(int batch, int maxLength) {
        if (maxLength > config.maxSequence()) {
            throw new IllegalArgumentException("llama model: caches of " + maxLength
                    + " positions exceed max_sequence " + config.maxSequence());
        }
        return attention.stream().map(a -> a.newCache(batch, maxLength)).toList();
    }

    /**
     * Logits of the next {@code tokens [B, n]} of the sequences in {@code caches} (one per
     * layer, all at the same length), appending them to the caches: a prompt at once, then one
     * token per step. Records no graph.
     *
     * @param modes each layer's attention mode, or null for the defaults
     * @param replay experts to use in the MoE layers for these tokens, or null
     */
    public ModelOutput decode(IntTensor tokens, List<KvCache> caches, List<String> modes,
            Routing replay) {
        if (caches.size() != config.layers()) {
            throw new IllegalArgumentException("llama model: " + caches.size() + " caches for "
                    + config.layers() + " layers, expected one each (see newCaches)");
        }
        int start = caches.get(0).length();
        int time = checkTokens(tokens, start);
        GradScope noGrad = ops.noGrad();
        try {
            return pass(tokens, IntTensor.vector(IntStream.range(start, start + time).toArray()),
                    modes, replay, caches, null);
        } finally {
            noGrad.close();
        }
    }

    /**
     * The blocks over {@code tokens} at {@code positions}; decoding when {@code caches} is set;
     * the layers' measurements collected into {@code diagnostics} when it is set.
     */
    private ModelOutput pass(IntTensor tokens, IntTensor positions, List<String> modes,
            Routing replay, List<KvCache> caches, Map<String, Double> diagnostics) {
        List<String> layerModes = modes(modes);
        int batch = tokens.shape()[0];
        int time = tokens.shape()[1];
        Map<String, Variable> auxiliary = new LinkedHashMap<>();
        Map<Integer, IntTensor> routing = new TreeMap<>();

        Variable x = ops.embedding(embedding, tokens);
        for (int i = 0; i < config.layers(); i++) {
            Parameters p = layerParameters.get(i);
            Parameters selfAttn = selfAttnParameters.get(i);

            // Attention: x += o_proj(attn(rope(q), rope(k), v)) on the normalised x.
            Variable h = ops.rmsNorm(x, p.get("input_layernorm.weight"), config.normEps());
            Variable q = heads(linear(h, selfAttn.get("q_proj.weight")), batch, time,
                    config.heads());
            Variable k = heads(linear(h, selfAttn.get("k_proj.weight")), batch, time,
                    config.kvHeads());
            Variable v = heads(linear(h, selfAttn.get("v_proj.weight")), batch, time,
                    config.kvHeads());
            q = ops.rope(q, 1, positions, config.headDim(), config.ropeTheta());
            k = ops.rope(k, 1, positions, config.headDim(), config.ropeTheta());
            AttentionInput input = new AttentionInput(h, q, k, v, positions);
            Variable o;
            if (diagnostics != null && attention.get(i) instanceof AttentionDiagnostics layer) {
                for (Map.Entry<String, Double> e : layer.diagnose(input, selfAttn,
                        layerModes.get(i)).entrySet()) {
                    diagnostics.put("layer." + i + "." + e.getKey(), e.getValue());
                }
            }
            if (caches == null) {
                AttentionOutput out = attention.get(i).forward(input, selfAttn, layerModes.get(i));
                o = out.output();
                for (Map.Entry<String, Variable> e : out.auxiliaryLosses().entrySet()) {
                    auxiliary.put("layer." + i + "." + e.getKey(), e.getValue());
                }
            } else {
                o = attention.get(i).decode(input, caches.get(i), selfAttn, layerModes.get(i));
            }
            o = ops.reshape(o, batch, time, config.heads() * config.headDim());
            x = ops.add(x, linear(o, selfAttn.get("o_proj.weight")));

            // MLP: x += mlp(post_attention_layernorm(x)).
            h = ops.rmsNorm(x, p.get("post_attention_layernorm.weight"), config.normEps());
            Parameters mlp = mlpParameters.get(i);
            if (config.isMoeLayer(i)) {
                MoeFeedForward.Result moe = MoeFeedForward.forward(ops, mlp, config.moe(), h,
                        replay == null ? null : replay.layer(i), i);
                routing.put(i, moe.chosen());
                x = ops.add(x, moe.output());
            } else {
                x = ops.add(x, MoeFeedForward.swiglu(ops, mlp, "", h));
            }
        }
        x = ops.rmsNorm(x, finalNorm, config.normEps());
        return new ModelOutput(linear(x, head), auxiliary, new Routing(routing));
    }

    private Variable linear(Variable x, Variable weight) {
        return MoeFeedForward.linear(ops, x, weight);
    }

    /** {@code [B, T, heads * headDim]} as {@code [B, T, heads, headDim]}. */
    private Variable heads(Variable x, int batch, int time, int count) {
        return ops.reshape(x, batch, time, count, config.headDim());
    }

    private List<String> modes(List<String> modes) {
        if (modes == null) {
            // A layer's first mode is its default.
            return attention.stream().map(a -> a.modes().iterator().next()).toList();
        }
        if (modes.size() != config.layers()) {
            throw new IllegalArgumentException("llama model: " + modes.size() + " attention "
                    + "modes for " + config.layers() + " layers, expected one each");
        }
        return modes;
    }

    /** The checked time of {@code tokens [B, T]} starting at position {@code start}. */
    private int checkTokens(IntTensor tokens, int start) {
        int[] shape = tokens.shape();
        if (shape.length != 2 || shape[0] < 1 || shape[1] < 1) {
            throw new IllegalArgumentException("llama model: tokens of shape "
                    + Arrays.toString(shape) + ", expected [batch, time] with both >= 1");
        }
        if (start + shape[1] > config.maxSequence()) {
            throw new IllegalArgumentException("llama model: positions up to "
                    + (start + shape[1]) + " exceed max_sequence " + config.maxSequence());
        }
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.at(i) < 0 || tokens.at(i) >= config.vocab()) {
                throw new IllegalArgumentException("llama model: token " + tokens.at(i)
                        + " at flat index " + i + ", expected an id in [0, " + config.vocab()
                        + ")");
            }
        }
        return shape[1];
    }

    private static List<ParameterSpec> moeSpecs(MoeConfig moe, int dim) {
        List<ParameterSpec> specs = new ArrayList<>();
        specs.add(normal("gate.weight", moe.experts(), dim));
        for (int e = 0; e < moe.experts(); e++) {
            specs.addAll(swigluSpecs("experts." + e + ".", dim, moe.expertHidden()));
        }
        if (moe.sharedExpert()) {
            specs.addAll(swigluSpecs("shared_experts.", dim, moe.expertHidden()));
        }
        return specs;
    }

    private static List<ParameterSpec> swigluSpecs(String prefix, int dim, int hidden) {
        return List.of(normal(prefix + "gate_proj.weight", hidden, dim),
                normal(prefix + "up_proj.weight", hidden, dim),
                normal(prefix + "down_proj.weight", dim, hidden));
    }

    private static ParameterSpec normal(String name, int rows, int cols) {
        return new ParameterSpec(name, List.of(rows, cols), "normal", INIT_STD);
    }

    private static ParameterSpec ones(String name, int size) {
        return new ParameterSpec(name, List.of(size), "ones", 0);
    }
}
