package org.sparsa.distill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/** Configuration errors of the distill stage name their key. */
class DistillConfigTest {

    private static Map<String, Object> valid() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("teachers", List.of(Map.of("stage", "specialist", "weight", 2)));
        return config;
    }

    private static String failingKey(Map<String, Object> config) {
        return assertThrows(ConfigException.class, () -> new DistillStageKind().create(
                PluginConfig.of(config, "stage 'distil' config"))).key();
    }

    @Test
    void readsTheDefaultsAndTheTeacher() {
        DistillConfig config = DistillConfig.read(PluginConfig.of(valid(), "test"));
        assertEquals(DistillMode.LOGITS, config.mode());
        assertEquals(KlDirection.FORWARD, config.kl());
        assertEquals(1.0, config.temperature());
        assertEquals(new TeacherSpec("specialist", null, null, Map.of(), 2),
                config.teachers().get(0));
    }

    @Test
    void eachBadValueNamesItsKey() {
        Map<String, Object> config = valid();
        config.put("mode", "soup");
        assertEquals("mode", failingKey(config));
        config = valid();
        config.put("kl", "sideways");
        assertEquals("kl", failingKey(config));
        config = valid();
        config.put("positions", "prompt");
        assertEquals("positions", failingKey(config));
        config = valid();
        config.put("temperature", 0);
        assertEquals("temperature", failingKey(config));
        config = valid();
        config.put("samples", 0);
        assertEquals("samples", failingKey(config));
        config = valid();
        config.put("reward", Map.of("config", Map.of()));
        assertEquals("id", failingKey(config));
        config = valid();
        config.put("tempreature", 2);
        assertEquals("tempreature", failingKey(config));
    }

    @Test
    void teacherErrorsNameTheirKey() {
        Map<String, Object> config = new LinkedHashMap<>();
        assertEquals("teachers", failingKey(config));
        config.put("teachers", List.of(Map.of("weight", 1)));
        assertEquals("stage", failingKey(config));
        config.put("teachers", List.of(Map.of("stage", "a", "weight", 0)));
        assertEquals("weight", failingKey(config));
        config.put("teachers", List.of(Map.of("stage", "a", "task", Map.of("config", Map.of()))));
        assertEquals("id", failingKey(config));
        config.put("teachers", List.of(Map.of("stage", "a", "run", "runs/\u0000")));
        assertEquals("run", failingKey(config));
    }
}
