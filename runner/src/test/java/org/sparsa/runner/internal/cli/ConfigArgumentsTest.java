package org.sparsa.runner.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.PluginConfig;

class ConfigArgumentsTest {

    @Test
    void valuesAreReadAsYamlAndDottedKeysNest() throws Exception {
        PluginConfig config = ConfigArguments.parse(List.of("max_len=100", "ratio=0.5",
                "on=true", "target=en", "items=[a, b]", "judge_config.tolerance=0.1",
                "judge_config.mode=strict"));
        assertEquals(Map.of("max_len", 100, "ratio", 0.5, "on", true, "target", "en",
                "items", List.of("a", "b"),
                "judge_config", Map.of("tolerance", 0.1, "mode", "strict")), config.asMap());
        assertEquals("--config", config.origin());
    }

    @Test
    void filesAreMergedAndLaterArgumentsWin(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("reward.yaml");
        Files.writeString(file, "components:\n  - reward: format\n    weight: 2\ncache: 5\n");
        PluginConfig config = ConfigArguments.parse(List.of("@" + file, "cache=7"));
        assertEquals(7, config.integer("cache", 0));
        assertEquals(2, config.sections("components").get(0).integer("weight", 0));
        assertTrue(config.origin().contains("reward.yaml"), config.origin());
    }

    @Test
    void badArgumentsSayWhatWasExpected(@TempDir Path folder) throws Exception {
        IllegalArgumentException noEquals = assertThrows(IllegalArgumentException.class,
                () -> ConfigArguments.parse(List.of("max_len")));
        assertEquals("--config 'max_len': expected key=value or @file.yaml", noEquals.getMessage());

        Path missing = folder.resolve("missing.yaml");
        IllegalArgumentException noFile = assertThrows(IllegalArgumentException.class,
                () -> ConfigArguments.parse(List.of("@" + missing)));
        assertEquals("--config @" + missing + ": no such file", noFile.getMessage());

        Path list = folder.resolve("list.yaml");
        Files.writeString(list, "- a\n- b\n");
        IllegalArgumentException notMap = assertThrows(IllegalArgumentException.class,
                () -> ConfigArguments.parse(List.of("@" + list)));
        assertTrue(notMap.getMessage().endsWith("expected a YAML map of keys to values at the "
                + "top level"), notMap.getMessage());

        IllegalArgumentException badYaml = assertThrows(IllegalArgumentException.class,
                () -> ConfigArguments.parse(List.of("items=[a, b")));
        assertTrue(badYaml.getMessage().startsWith("--config items: value '[a, b' is not valid "
                + "YAML"), badYaml.getMessage());
    }
}
