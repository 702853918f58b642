package org.sparsa.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model configuration: its checks and its Hugging Face {@code config.json} form. */
class ModelConfigTest {

    @Test
    void theHuggingFaceJsonHasTheLlamaKeysAndRoundTrips() throws Exception {
        ModelConfig config = ModelConfig.llama(32000, 512, 8, 8, 2, 1408).withMaxSequence(4096)
                .withAttention(new AttentionChoice("nsa", Map.of("block", 16, "top_n", 4)))
                .withLayerAttention(0, AttentionChoice.full())
                .withMoe(new MoeConfig(8, 2, true, 256, List.of(2, 5)));
        JsonNode json = new ObjectMapper().readTree(config.toHuggingFaceJson());
        assertEquals("LlamaForCausalLM", json.get("architectures").get(0).asText());
        assertEquals(512, json.get("hidden_size").intValue());
        assertEquals(1408, json.get("intermediate_size").intValue());
        assertEquals(8, json.get("num_attention_heads").intValue());
        assertEquals(2, json.get("num_key_value_heads").intValue());
        assertEquals(64, json.get("head_dim").intValue());
        assertEquals(8, json.get("num_hidden_layers").intValue());
        assertEquals(1e-6, json.get("rms_norm_eps").doubleValue());
        assertEquals(10000.0, json.get("rope_theta").doubleValue());
        assertEquals(32000, json.get("vocab_size").intValue());
        assertEquals(false, json.get("tie_word_embeddings").booleanValue());
        assertEquals(4096, json.get("max_position_embeddings").intValue());
        assertEquals("float32", json.get("torch_dtype").asText());
        assertEquals("nsa", json.get("sparsa").get("attention").get("plugin").asText());
        assertEquals(List.of(2, 5), List.of(json.get("sparsa").get("moe").get("layers").get(0)
                .intValue(), json.get("sparsa").get("moe").get("layers").get(1).intValue()));

        assertEquals(config, ModelConfig.fromHuggingFaceJson(config.toHuggingFaceJson()));
    }

    @Test
    void aPlainLlamaConfigReadsWithDefaults() {
        ModelConfig config = ModelConfig.fromHuggingFaceJson("""
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
                 "intermediate_size": 172, "num_attention_heads": 4, "num_hidden_layers": 2,
                 "vocab_size": 100, "rms_norm_eps": 1e-5, "tie_word_embeddings": true}""");
        assertEquals(new ModelConfig(100, 64, 2, 4, 4, 16, 172, 1e-5, 10000.0, true,
                ModelConfig.MAX_SEQUENCE, AttentionChoice.full(), Map.of(), null), config);
        assertEquals(16, config.headDim());
        assertEquals(4, config.kvHeads());
        assertEquals(1e-5, config.normEps());
        assertEquals(AttentionChoice.full(), config.attentionOf(1));
        assertNull(config.moe());
    }

    @Test
    void badJsonNamesTheKey() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromHuggingFaceJson("{\"hidden_size\": 64, "
                        + "\"num_attention_heads\": 4}"));
        assertTrue(missing.getMessage().contains("missing 'vocab_size'"), missing::getMessage);
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromHuggingFaceJson("{\"hidden_size\": \"64\"}"));
        assertTrue(type.getMessage().contains("'hidden_size' must be an integer, found \"64\""),
                type::getMessage);
        IllegalArgumentException arch = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromHuggingFaceJson("{\"architectures\": [\"GPT2LMHeadModel\"]}"));
        assertTrue(arch.getMessage().contains("expected [\"LlamaForCausalLM\"]"),
                arch::getMessage);
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromHuggingFaceJson("[1"));
    }

    @Test
    void invalidSizesAreNamed() {
        assertMessage("heads (6) must be a multiple of kv_heads (4)",
                () -> ModelConfig.llama(10, 48, 1, 6, 4, 8));
        assertMessage("head_dim must be even", () -> ModelConfig.llama(10, 12, 1, 4, 4, 8));
        assertMessage("vocab must be at least 1", () -> ModelConfig.llama(0, 8, 1, 2, 2, 8));
        assertMessage("attention override for layer 3, expected a layer in [0, 2)",
                () -> ModelConfig.llama(10, 8, 2, 2, 2, 8).withLayerAttention(3,
                        AttentionChoice.full()));
        assertMessage("moe layers [4] must lie in [0, 2)", () -> ModelConfig.llama(10, 8, 2, 2,
                2, 8).withMoe(new MoeConfig(4, 2, false, 8, List.of(4))));
        assertMessage("top_k must be in [1, 4]", () -> new MoeConfig(4, 5, false, 8, List.of()));
        assertMessage("norm_eps must be a finite number > 0", () -> new ModelConfig(10, 8, 1, 2,
                2, 4, 8, 0, 1e4, false, 16, AttentionChoice.full(), Map.of(), null));
    }

    private static void assertMessage(String part, Runnable action) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(e.getMessage().contains(part), e::getMessage);
    }
}
