package org.sparsa.api.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ConfigKeyTest {

    @Test
    void parsesThePublishedFormAndFormatsItBack() {
        ConfigKey key = ConfigKey.parse("max_len:int=4096 - longest completion - in tokens");
        assertEquals(new ConfigKey("max_len", "int", "4096", "longest completion - in tokens"),
                key);
        assertEquals(key, ConfigKey.parse(key.format()));

        ConfigKey bare = ConfigKey.parse("components:list");
        assertNull(bare.defaultValue());
        assertEquals("components:list", bare.format());
    }

    @Test
    void rejectsMalformedKeysAndUnknownTypes() {
        assertThrows(IllegalArgumentException.class, () -> ConfigKey.parse("no type here"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigKey.parse("x:float=1"));
        assertEquals("config key 'x': unknown type 'float'; expected one of "
                + "[boolean, double, int, list, map, string]", e.getMessage());
    }

    @Test
    void filtersEscapeLdapSpecialCharacters() {
        assertEquals("(&(sparsa.plugin.kind=REWARD)(sparsa.plugin.id=a\\*b\\(c\\)))",
                PluginProperties.filter(PluginKind.REWARD, "a*b(c)"));
        assertEquals(PluginKind.JUDGE, PluginKind.of("Judge"));
        assertThrows(IllegalArgumentException.class, () -> PluginKind.of("model"));
    }
}
