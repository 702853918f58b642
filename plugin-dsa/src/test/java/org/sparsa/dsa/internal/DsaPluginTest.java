package org.sparsa.dsa.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.api.attention.AttentionShape;
import org.sparsa.api.parameter.ParameterSpec;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

class DsaPluginTest {
    private static final AttentionShape SHAPE = new AttentionShape(0, 32, 4, 1, 8, 256);

    private static PluginConfig config(Map<String, ?> values) {
        return PluginConfig.of(values, "model layer 0 attention 'dsa'");
    }

    @Test
    void deepSeekSizesAreTheDefaults() {
        assertEquals(DsaParams.DEEPSEEK, DsaPlugin.params(PluginConfig.empty()));
        assertEquals(new DsaParams(2048, 64, 128, 64, false, 128, false), DsaParams.DEEPSEEK);
    }

    @Test
    void theLayerDeclaresTheIndexerParameters() {
        List<ParameterSpec> specs = new DsaPlugin().parameterSpecs(SHAPE, config(Map.of(
                "index_heads", 3, "index_dim", 16, "rope_dim", 8)));
        assertEquals(List.of("indexer.wq", "indexer.wk", "indexer.k_norm.weight",
                "indexer.k_norm.bias", "indexer.weights_proj"),
                specs.stream().map(ParameterSpec::name).toList());
        assertEquals(List.of(48, 32), specs.get(0).shape());
        assertEquals(List.of(16, 32), specs.get(1).shape());
        assertEquals(List.of(16), specs.get(2).shape());
        assertEquals("ones", specs.get(2).init());
        assertEquals("zeros", specs.get(3).init());
        assertEquals(List.of(3, 32), specs.get(4).shape());
    }

    @Test
    void theLayerOffersSparseThenDense() {
        assertEquals(List.of("sparse", "dense"), List.copyOf(new DsaPlugin().create(SHAPE,
                config(Map.of("index_dim", 16, "rope_dim", 8))).modes()));
    }

    @Test
    void invalidOptionsAreRefusedNamingTheKey() {
        assertRefused(Map.of("top_k", 0), "top_k", "from 1");
        assertRefused(Map.of("index_heads", 0), "index_heads", "from 1");
        assertRefused(Map.of("index_dim", 32), "rope_dim", "at most index_dim (32)");
        assertRefused(Map.of("rope_dim", 7), "rope_dim", "even");
        assertRefused(Map.of("fp8", true, "fp8_group", 48), "fp8_group",
                "divisor of index_dim (128)");
        assertRefused(Map.of("fp8", "sometimes"), "fp8", "true or false");
        assertRefused(Map.of("topk", 8), "topk", "unknown key");
        // Without FP8 the group is not used, so it constrains nothing.
        assertEquals(48, DsaPlugin.params(config(Map.of("fp8_group", 48))).fp8Group());
    }

    private static void assertRefused(Map<String, ?> values, String key, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> new DsaPlugin()
                .parameterSpecs(SHAPE, config(values)));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
