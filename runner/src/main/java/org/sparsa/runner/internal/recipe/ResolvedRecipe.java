package org.sparsa.runner.internal.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run's {@code config.resolved.yaml}: the recipe with every default filled in and overrides
 * applied, followed by its provenance. It loads as a recipe again (the loader skips
 * {@code provenance}), giving the same {@link Recipe}.
 *
 * @param recipe the validated recipe, with its run folder fixed
 * @param provenance where and how the run was made, or null to write the recipe alone
 */
public record ResolvedRecipe(Recipe recipe, Provenance provenance) {
    /** The file's name in a run folder. */
    public static final String FILE_NAME = "config.resolved.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build());

    /** The file's text. */
    public String toYaml() {
        Map<String, Object> tree = tree(recipe);
        if (provenance != null) {
            tree.put("provenance", provenance.tree());
        }
        try {
            return "# The recipe as this run used it: overrides applied, every default filled in.\n"
                    + "# `sparsa run` accepts this file as a recipe again.\n"
                    + YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code recipe} as maps and lists in recipe key order and names. */
    static Map<String, Object> tree(Recipe recipe) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", recipe.name());
        out.put("seed", recipe.seed());
        out.put("backend", recipe.backend().name().toLowerCase(Locale.ROOT));
        out.put("model", model(recipe.model()));
        out.put("task", plugin(recipe.task()));
        out.put("stages", recipe.stages().stream().map(ResolvedRecipe::stage).toList());
        if (recipe.outputDir() != null) {
            out.put("output", Map.of("dir", recipe.outputDir()));
        }
        out.put("resume", recipe.resume());
        return out;
    }

    private static Map<String, Object> model(ModelSpec m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tokenizer", m.tokenizer());
        if (m.vocab() != null) {
            out.put("vocab", m.vocab());
        }
        out.put("dim", m.dim());
        out.put("layers", m.layers());
        out.put("heads", m.heads());
        out.put("kv_heads", m.kvHeads());
        out.put("head_dim", m.headDim());
        out.put("ffn_hidden", m.ffnHidden());
        out.put("norm_eps", m.normEps());
        out.put("rope_theta", m.ropeTheta());
        out.put("tie_embeddings", m.tieEmbeddings());
        out.put("max_seq", m.maxSeq());
        out.put("attention", plugin(m.attention()));
        if (!m.perLayerAttention().isEmpty()) {
            Map<String, Object> perLayer = new TreeMap<>();
            m.perLayerAttention().forEach((layer, attention) ->
                    perLayer.put(String.valueOf(layer), Map.of("attention", plugin(attention))));
            out.put("per_layer", perLayer);
        }
        if (m.moe() != null) {
            Map<String, Object> moe = new LinkedHashMap<>();
            moe.put("experts", m.moe().experts());
            moe.put("top_k", m.moe().topK());
            moe.put("shared_expert", m.moe().sharedExpert());
            moe.put("expert_hidden", m.moe().expertHidden());
            moe.put("layers", m.moe().layers());
            out.put("moe", moe);
        }
        return out;
    }

    private static Map<String, Object> plugin(PluginRef ref) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", ref.id());
        out.put("config", ref.config());
        return out;
    }

    private static Map<String, Object> stage(StageSpec s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", s.name());
        out.put("kind", s.kind());
        if (s.task() != null) {
            out.put("task", plugin(s.task()));
        }
        if (s.model() != null) {
            out.put("model", model(s.model()));
        }
        out.put("steps", s.steps());
        out.put("batch", s.batch());
        out.put("seq_len", s.seqLen());
        out.put("lr", s.lr());
        Map<String, Object> schedule = new LinkedHashMap<>();
        schedule.put("kind", s.schedule().kind());
        schedule.put("warmup", s.schedule().warmup());
        schedule.put("min_lr", s.schedule().minLr());
        out.put("schedule", schedule);
        out.put("weight_decay", s.weightDecay());
        out.put("grad_clip", s.gradClip());
        out.put("accumulate", s.accumulate());
        out.put("frozen", s.frozen());
        out.put("attention_mode", s.attentionMode());
        out.put("trainable", s.trainable());
        out.put("lr_groups", s.lrGroups());
        out.put("lm_loss_weight", s.lmLossWeight());
        out.put("aux_loss_weight", s.auxLossWeight());
        out.put("eval_every", s.evalEvery());
        out.put("checkpoint_every", s.checkpointEvery());
        out.put("max_nonfinite_steps", s.maxNonFiniteSteps());
        out.put("step_timeout", s.stepTimeout());
        out.put("config", s.config());
        return out;
    }
}
