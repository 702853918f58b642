package org.sparsa.api.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PluginConfigTest {
    private final PluginConfig config = PluginConfig.of(Map.of(
            "name", "nsa", "blocks", 16, "lr", 3e-4, "flag", true, "text_number", "12",
            "parts", List.of(Map.of("reward", "format")), "nested", Map.of("k", 2)),
            "recipe.yaml:7");

    @Test
    void typedGettersReadValuesAndFallBackWhenAbsent() {
        assertEquals("nsa", config.string("name", "x"));
        assertEquals(16, config.integer("blocks", 0));
        assertEquals(12, config.integer("text_number", 0));
        assertEquals(3e-4, config.number("lr", 0));
        assertEquals(16.0, config.number("blocks", 0));
        assertTrue(config.bool("flag", false));
        assertEquals("fallback", config.string("missing", "fallback"));
        assertEquals(5, config.integer("missing", 5));
        assertEquals(List.of(), config.list("missing"));
        assertEquals(2, config.section("nested").integer("k", 0));
        assertEquals("format", config.sections("parts").get(0).string("reward", null));
    }

    @Test
    void pathsAreCheckedWhenRead() {
        PluginConfig paths = PluginConfig.of(Map.of("run", "runs/a", "bad", "runs/\u0000"),
                "recipe.yaml:3");
        assertEquals("runs/a", paths.path("run", null));
        assertEquals(null, paths.path("missing", null));
        ConfigException e = assertThrows(ConfigException.class, () -> paths.path("bad", null));
        assertEquals("bad", e.key());
        assertTrue(e.getMessage().startsWith("recipe.yaml:3: bad: expected a file or folder "
                + "path, found one this system cannot open"), e.getMessage());
    }

    @Test
    void wrongTypesNameOriginKeyAndExpectation() {
        ConfigException e = assertThrows(ConfigException.class, () -> config.integer("name", 0));
        assertEquals("recipe.yaml:7: name: expected an integer, found 'nsa'", e.getMessage());
        assertEquals("name", e.key());
        assertThrows(ConfigException.class, () -> config.integer("lr", 0));
        assertThrows(ConfigException.class, () -> config.bool("name", false));
        assertThrows(ConfigException.class, () -> config.section("name"));
        ConfigException nested = assertThrows(ConfigException.class,
                () -> config.section("nested").bool("k", false));
        assertTrue(nested.getMessage().startsWith("recipe.yaml:7 > nested: k:"),
                nested.getMessage());
    }

    @Test
    void unknownKeysAreRejectedWithTheKnownOnesListed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> config.requireOnly(Set.of("name", "blocks")));
        assertTrue(e.getMessage().contains("unknown key; expected one of [blocks, name]"),
                e.getMessage());
        PluginConfig.of(Map.of("name", "x"), "t").requireOnly(Set.of("name"));
    }

    @Test
    void isACopyOfItsInput() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("a", 1);
        PluginConfig copy = PluginConfig.of(values, "t");
        values.put("a", 2);
        assertEquals(1, copy.integer("a", 0));
        assertThrows(UnsupportedOperationException.class, () -> copy.asMap().put("b", 3));
    }
}
