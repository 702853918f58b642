package org.sparsa.core.model.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.attention.AttentionPlugin;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.attention.internal.FullAttentionPlugin;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.compute.internal.opencl.OpenClBackend;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * {@code model.llama}: a dense Llama model with full attention, its parameters
 * {@code param.{Hugging Face name}} and tokens {@code in.tokens [T]} (one sequence), gives
 * {@code out.logits [T, V]}, {@code out.loss} (the mean next-token cross-entropy) and the
 * loss's gradient of every parameter, {@code grad.param.{name}}. Config: {@code vocab},
 * {@code dim}, {@code layers}, {@code heads}, {@code kv_heads}, {@code head_dim},
 * {@code ffn_hidden}, {@code norm_eps}, {@code rope_theta}, {@code tie_embeddings}.
 */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=model.llama")
public final class LlamaGoldenOp implements GoldenOp {
    private static final String OP = "model.llama";
    private static final String PARAM = "param.";

    @Override
    public Set<BackendKind> backends() {
        return OpenClBackend.isAvailable() ? EnumSet.of(BackendKind.JAVA, BackendKind.OPENCL)
                : EnumSet.of(BackendKind.JAVA);
    }

    @Override
    public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
        int[] shape = goldenCase.shape("in.tokens");
        if (shape.length != 1 || shape[0] < 2) {
            throw new IllegalArgumentException(OP + ": in.tokens must be [T] with T >= 2, found "
                    + Arrays.toString(shape));
        }
        int time = shape[0];
        ModelConfig config = config(goldenCase.config(), time);
        try (Backend kernels = Backends.open(backend)) {
            Autograd ops = new Autograd(kernels);
            ParameterStore store = new ParameterStore(ops, 0);
            List<AttentionPlugin> plugins = Collections.nCopies(config.layers(),
                    new FullAttentionPlugin());
            LlamaModel model = new LlamaModel(config, store, plugins);
            load(goldenCase, store);

            IntTensor tokens = IntTensor.of(goldenCase.ints("in.tokens"), 1, time);
            Variable logits = model.forward(tokens).logits();
            Variable loss = LlamaModel.nextTokenLoss(logits, tokens, null);
            loss.backward();

            GoldenOutputs outputs = new GoldenOutputs()
                    .put("out.logits", logits.value().toArray())
                    .put("out.loss", new float[] {loss.value().item()});
            for (String name : store.names()) {
                Variable p = store.get(name);
                outputs.put("grad." + PARAM + name, p.grad().map(g -> g.toArray())
                        .orElseGet(() -> new float[p.value().size()]));
            }
            return outputs;
        }
    }

    /** Puts every {@code param.*} of the case in the store, which must hold exactly those. */
    private static void load(GoldenCase goldenCase, ParameterStore store) {
        Set<String> given = new TreeSet<>();
        goldenCase.entries().forEach(e -> {
            if (e.name().startsWith(PARAM)) {
                given.add(e.name().substring(PARAM.length()));
            }
        });
        Set<String> wanted = new TreeSet<>(store.names());
        if (!given.equals(wanted)) {
            List<String> missing = new ArrayList<>(wanted);
            missing.removeAll(given);
            List<String> extra = new ArrayList<>(given);
            extra.removeAll(wanted);
            throw new IllegalArgumentException(OP + ": the case's parameters do not fit the "
                    + "config; missing " + missing + ", unexpected " + extra);
        }
        for (String name : wanted) {
            store.replace(name, DenseTensor.wrap(goldenCase.floats(PARAM + name),
                    goldenCase.shape(PARAM + name)));
        }
    }

    /** The model config of the case's metadata, for sequences of {@code time} tokens. */
    static ModelConfig config(Map<String, Object> config, int time) {
        return new ModelConfig(integer(config, "vocab"), integer(config, "dim"),
                integer(config, "layers"), integer(config, "heads"),
                integer(config, "kv_heads"), integer(config, "head_dim"),
                integer(config, "ffn_hidden"), number(config, "norm_eps"),
                number(config, "rope_theta"), bool(config, "tie_embeddings"), time,
                AttentionChoice.full(), Map.of(), null);
    }

    private static int integer(Map<String, Object> config, String key) {
        if (!(config.get(key) instanceof Integer value)) {
            throw new IllegalArgumentException(OP + ": config '" + key
                    + "' must be an integer, found " + config.get(key));
        }
        return value;
    }

    private static double number(Map<String, Object> config, String key) {
        if (!(config.get(key) instanceof Number value)) {
            throw new IllegalArgumentException(OP + ": config '" + key
                    + "' must be a number, found " + config.get(key));
        }
        return value.doubleValue();
    }

    private static boolean bool(Map<String, Object> config, String key) {
        if (!(config.get(key) instanceof Boolean value)) {
            throw new IllegalArgumentException(OP + ": config '" + key
                    + "' must be true or false, found " + config.get(key));
        }
        return value;
    }
}
