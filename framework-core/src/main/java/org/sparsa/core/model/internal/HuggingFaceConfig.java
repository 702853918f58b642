package org.sparsa.core.model.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.core.model.AttentionChoice;
import org.sparsa.core.model.MoeConfig;
import org.sparsa.core.model.ModelConfig;

/**
 * A {@link ModelConfig} as a Hugging Face Llama {@code config.json}: the standard keys that
 * {@code LlamaForCausalLM} reads, and under {@code sparsa} what only Sparsa knows (the attention
 * plugin of each layer and the MoE MLP).
 */
public final class HuggingFaceConfig {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final String SPARSA = "sparsa";

    private HuggingFaceConfig() {
    }

    /** The {@code config.json} text of {@code config}. */
    public static String write(ModelConfig config) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add("LlamaForCausalLM");
        root.put("model_type", "llama");
        root.put("vocab_size", config.vocab());
        root.put("hidden_size", config.dim());
        root.put("intermediate_size", config.ffnHidden());
        root.put("num_hidden_layers", config.layers());
        root.put("num_attention_heads", config.heads());
        root.put("num_key_value_heads", config.kvHeads());
        root.put("head_dim", config.headDim());
        root.put("hidden_act", "silu");
        root.put("rms_norm_eps", config.normEps());
        root.put("rope_theta", config.ropeTheta());
        root.put("max_position_embeddings", config.maxSequence());
        root.put("tie_word_embeddings", config.tieEmbeddings());
        root.put("attention_bias", false);
        root.put("mlp_bias", false);
        root.put("torch_dtype", "float32");

        ObjectNode sparsa = root.putObject(SPARSA);
        sparsa.set("attention", attention(config.attention()));
        if (!config.attentionByLayer().isEmpty()) {
            ObjectNode layers = sparsa.putObject("attention_layers");
            config.attentionByLayer().forEach((layer, choice) ->
                    layers.set(Integer.toString(layer), attention(choice)));
        }
        MoeConfig moe = config.moe();
        if (moe != null) {
            ObjectNode node = sparsa.putObject("moe");
            node.put("experts", moe.experts());
            node.put("top_k", moe.topK());
            node.put("shared_expert", moe.sharedExpert());
            node.put("expert_hidden", moe.expertHidden());
            ArrayNode layers = node.putArray("layers");
            moe.layers().forEach(layers::add);
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("model config: cannot write JSON", e);
        }
    }

    private static ObjectNode attention(AttentionChoice choice) {
        ObjectNode node = JSON.createObjectNode();
        node.put("plugin", choice.plugin());
        node.set("config", JSON.valueToTree(choice.config()));
        return node;
    }

    /**
     * The configuration in {@code json}. {@code head_dim} defaults to hidden size over heads,
     * {@code num_key_value_heads} to the heads, {@code rms_norm_eps} and {@code rope_theta} to
     * the Llama constants, {@code max_position_embeddings} to {@value ModelConfig#MAX_SEQUENCE}.
     */
    public static ModelConfig read(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("config.json: not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("config.json: expected a JSON object");
        }
        JsonNode architectures = root.get("architectures");
        if (architectures != null && architectures.isArray() && !architectures.isEmpty()
                && !"LlamaForCausalLM".equals(architectures.get(0).asText())) {
            throw new IllegalArgumentException("config.json: architectures "
                    + architectures + ", expected [\"LlamaForCausalLM\"]");
        }
        int dim = integer(root, "hidden_size", null);
        int heads = integer(root, "num_attention_heads", null);
        Integer headDim = root.hasNonNull("head_dim") ? integer(root, "head_dim", null)
                : heads > 0 && dim % heads == 0 ? dim / heads : integer(root, "head_dim", null);
        JsonNode sparsa = root.path(SPARSA);
        AttentionChoice attention = sparsa.has("attention")
                ? attention(sparsa.get("attention"), "sparsa.attention")
                : AttentionChoice.full();
        Map<Integer, AttentionChoice> overrides = new LinkedHashMap<>();
        JsonNode layers = sparsa.path("attention_layers");
        for (Map.Entry<String, JsonNode> e : layers.properties()) {
            String key = "sparsa.attention_layers." + e.getKey();
            try {
                overrides.put(Integer.parseInt(e.getKey()), attention(e.getValue(), key));
            } catch (NumberFormatException bad) {
                throw new IllegalArgumentException("config.json: " + key
                        + ": expected a layer index as the key");
            }
        }
        MoeConfig moe = sparsa.has("moe") ? moe(sparsa.get("moe")) : null;
        return new ModelConfig(integer(root, "vocab_size", null), dim,
                integer(root, "num_hidden_layers", null), heads,
                integer(root, "num_key_value_heads", heads), headDim,
                integer(root, "intermediate_size", null),
                number(root, "rms_norm_eps", ModelConfig.NORM_EPS),
                number(root, "rope_theta", ModelConfig.ROPE_THETA),
                bool(root, "tie_word_embeddings", false),
                integer(root, "max_position_embeddings", ModelConfig.MAX_SEQUENCE), attention,
                overrides, moe);
    }

    private static AttentionChoice attention(JsonNode node, String key) {
        if (!node.isObject() || !node.path("plugin").isTextual()) {
            throw new IllegalArgumentException("config.json: " + key
                    + ": expected {\"plugin\": id, \"config\": {...}}, found " + node);
        }
        JsonNode config = node.path("config");
        if (!config.isMissingNode() && !config.isNull() && !config.isObject()) {
            throw new IllegalArgumentException("config.json: " + key
                    + ".config: expected an object, found " + config);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> values = config.isObject() ? JSON.convertValue(config, Map.class)
                : Map.of();
        return new AttentionChoice(node.get("plugin").asText(), values);
    }

    private static MoeConfig moe(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("config.json: sparsa.moe: expected an object, "
                    + "found " + node);
        }
        List<Integer> layers = new ArrayList<>();
        JsonNode list = node.path("layers");
        if (!list.isMissingNode() && !list.isArray()) {
            throw new IllegalArgumentException("config.json: sparsa.moe.layers: expected a list "
                    + "of layer indices, found " + list);
        }
        for (JsonNode layer : list) {
            if (!layer.canConvertToInt() || !layer.isIntegralNumber()) {
                throw new IllegalArgumentException("config.json: sparsa.moe.layers: expected "
                        + "layer indices, found " + list);
            }
            layers.add(layer.intValue());
        }
        return new MoeConfig(integer(node, "experts", null), integer(node, "top_k", null),
                bool(node, "shared_expert", false), integer(node, "expert_hidden", null),
                layers);
    }

    private static int integer(JsonNode node, String key, Integer fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            if (fallback == null) {
                throw new IllegalArgumentException("config.json: missing '" + key
                        + "' (an integer)");
            }
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("config.json: '" + key
                    + "' must be an integer, found " + value);
        }
        return value.intValue();
    }

    private static double number(JsonNode node, String key, double fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException("config.json: '" + key
                    + "' must be a number, found " + value);
        }
        return value.doubleValue();
    }

    private static boolean bool(JsonNode node, String key, boolean fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new IllegalArgumentException("config.json: '" + key
                    + "' must be true or false, found " + value);
        }
        return value.booleanValue();
    }
}
