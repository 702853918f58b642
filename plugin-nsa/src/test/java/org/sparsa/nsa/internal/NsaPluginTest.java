package org.sparsa.nsa.internal;

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

class NsaPluginTest {
    private static final AttentionShape SHAPE = new AttentionShape(0, 32, 4, 2, 8, 256);

    private static PluginConfig config(Map<String, ?> values) {
        return PluginConfig.of(values, "model layer 0 attention 'nsa'");
    }

    @Test
    void thePaperSizesAreTheDefaults() {
        assertEquals(NsaParams.PAPER, NsaPlugin.params(PluginConfig.empty()));
        assertEquals(new NsaParams(32, 16, 64, 16, 512, 1, 2), NsaParams.PAPER);
    }

    @Test
    void theLayerDeclaresGatesAndCompressionParameters() {
        List<ParameterSpec> specs = new NsaPlugin().parameterSpecs(SHAPE,
                config(Map.of("block_len", 8, "stride", 4, "select_block", 16)));
        assertEquals(List.of("gate.weight", "gate.bias", "compress.k.weight",
                "compress.k.position", "compress.v.weight", "compress.v.position"),
                specs.stream().map(ParameterSpec::name).toList());
        assertEquals(List.of(12, 32), specs.get(0).shape());
        assertEquals(List.of(2, 64, 8), specs.get(2).shape());
        assertEquals(List.of(2, 8, 8), specs.get(3).shape());
        assertEquals("zeros", specs.get(1).init());
        assertEquals("ones", new NsaPlugin().parameterSpecs(SHAPE,
                config(Map.of("gate_init", "ones"))).get(1).init());
    }

    @Test
    void eachCompressorDeclaresItsOwnWeights() {
        List<ParameterSpec> mlp = new NsaPlugin().parameterSpecs(SHAPE, config(Map.of(
                "block_len", 8, "stride", 4, "select_block", 16, "compress", "mlp",
                "compress_hidden", 5)));
        assertEquals(List.of("compress.k.hidden", "compress.k.weight", "compress.k.position"),
                mlp.subList(2, 5).stream().map(ParameterSpec::name).toList());
        assertEquals(List.of(2, 64, 5), mlp.get(2).shape());
        assertEquals(List.of(2, 5, 8), mlp.get(3).shape());
        List<ParameterSpec> mean = new NsaPlugin().parameterSpecs(SHAPE, config(Map.of(
                "compress", "mean")));
        assertEquals(List.of("gate.weight", "gate.bias", "compress.k.position",
                "compress.v.position"), mean.stream().map(ParameterSpec::name).toList());
        assertRefused(Map.of("compress", "conv"), "compress", "[linear, mlp, mean]");
    }

    @Test
    void independentKvDeclaresTheSelectedAndWindowBranchesOwnProjections() {
        List<String> shared = new NsaPlugin().parameterSpecs(SHAPE, PluginConfig.empty())
                .stream().map(ParameterSpec::name).toList();
        assertEquals(shared, new NsaPlugin().parameterSpecs(SHAPE,
                config(Map.of("independent_kv", false))).stream().map(ParameterSpec::name)
                .toList());
        List<ParameterSpec> own = new NsaPlugin().parameterSpecs(SHAPE,
                config(Map.of("independent_kv", "true")));
        assertEquals(shared, own.subList(0, shared.size()).stream().map(ParameterSpec::name)
                .toList());
        List<ParameterSpec> added = own.subList(shared.size(), own.size());
        assertEquals(List.of("select.k.weight", "select.v.weight", "window.k.weight",
                "window.v.weight"), added.stream().map(ParameterSpec::name).toList());
        for (ParameterSpec spec : added) {
            // [Hkv * D, hidden], drawn as the model's own k and v projections.
            assertEquals(List.of(2 * 8, 32), spec.shape(), spec.name());
            assertEquals("normal", spec.init(), spec.name());
            assertEquals(0.02, spec.std(), 0, spec.name());
        }
        assertTrue(new NsaPlugin().create(SHAPE, config(Map.of("independent_kv", true)))
                .toString().contains("of their own"));
        assertRefused(Map.of("independent_kv", "yes"), "independent_kv", "true or false");
        ConfigException e = assertThrows(ConfigException.class, () -> new NsaPlugin()
                .create(SHAPE, config(Map.of("independent_kv", 1))));
        assertTrue(e.getMessage().contains("independent_kv"), e.getMessage());
    }

    @Test
    void invalidCombinationsAreRefusedNamingTheKey() {
        assertRefused(Map.of("stride", 5), "stride", "divisor of block_len (32)");
        assertRefused(Map.of("stride", 8, "select_block", 20), "select_block",
                "multiple of stride (8)");
        assertRefused(Map.of("select_count", 2), "select_count",
                "init_blocks + local_blocks (3)");
        assertRefused(Map.of("window", 0), "window", "from 1");
        assertRefused(Map.of("gate_init", "half"), "gate_init", "[zeros, ones]");
        assertThrows(ConfigException.class, () -> NsaPlugin.params(config(Map.of("blocks", 1))));
    }

    private static void assertRefused(Map<String, ?> values, String key, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> new NsaPlugin()
                .parameterSpecs(SHAPE, config(values)));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(expected),
                e.getMessage());
    }
}
