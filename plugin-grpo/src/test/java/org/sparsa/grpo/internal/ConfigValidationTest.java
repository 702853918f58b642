package org.sparsa.grpo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;

/** Presets overridden key by key, and every bad value rejected with its key and origin. */
class ConfigValidationTest {
    private static final String ORIGIN = "recipe.yaml:12";

    @Test
    void unknownKeysAreNamedWithTheOrigin() {
        ConfigException e = rejected(Map.of("epsilon", 0.2));
        assertEquals("epsilon", e.key());
        assertEquals(ORIGIN, e.origin());
        assertTrue(e.getMessage().startsWith(ORIGIN + ": epsilon: unknown key; expected one of"),
                e.getMessage());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "advantage, group_norm, expected one of [group_std, group_mean]",
        "adv_eps, -1, expected a finite number >= 0",
        "ratio_level, tokens, expected one of [token, sequence]",
        "clip_low, 1.0, expected a number in [0, 1)",
        "clip_low, -0.1, expected a finite number >= 0",
        "clip_high, wide, expected a number",
        "aggregation, mean, expected one of [seq_mean_token_mean, token_mean, seq_mean_token_",
        "kl, k2, expected one of [none, k3, k3_unbiased]",
        "beta, -0.04, expected a finite number >= 0",
        "offpolicy_mask, yes, expected true or false",
        "offpolicy_delta, NaN, expected a finite number",
        "norm_length, 0, expected a positive integer",
        "norm_length, 1.5, expected an integer",
    })
    void badValuesNameTheirKey(String key, String value, String expected) {
        Map<String, Object> config = key.equals("norm_length")
                ? Map.of(key, value, "aggregation", "seq_mean_token_sum_norm") : Map.of(key, value);
        ConfigException e = rejected(config);
        assertEquals(key, e.key());
        assertTrue(e.getMessage().startsWith(ORIGIN + ": " + key + ": " + expected),
                e.getMessage());
    }

    @Test
    void normLengthNeedsTheConstantNormaliser() {
        ConfigException e = rejected(Map.of("norm_length", 512));
        assertEquals("norm_length", e.key());
        assertTrue(e.getMessage().contains("aggregation is seq_mean_token_mean"), e.getMessage());
    }

    @Test
    void aPresetOverriddenKeyByKeyBecomesAnother() {
        // GRPO with clip-higher, token-mean aggregation and no KL is DAPO.
        PolicyObjectiveConfig dapo = Preset.GRPO.config().overriddenBy(PluginConfig.of(Map.of(
                "clip_high", 0.28, "aggregation", "token_mean", "kl", "none", "beta", 0),
                ORIGIN));
        assertEquals(Preset.DAPO.config(), dapo);
        // Names are read case-insensitively; numbers may come as text from the command line.
        PolicyObjectiveConfig gspo = Preset.DAPO.config().overriddenBy(PluginConfig.of(Map.of(
                "ratio_level", "SEQUENCE", "clip_low", "3e-4", "clip_high", 4e-4,
                "aggregation", "seq_mean_token_mean"), ORIGIN));
        assertEquals(Preset.GSPO.config(), gspo);
    }

    @Test
    void anEmptyConfigurationKeepsThePreset() {
        for (Preset preset : Preset.values()) {
            assertEquals(preset.config(), preset.config().overriddenBy(PluginConfig.empty()));
        }
    }

    @Test
    void eachObjectiveStartsFromItsPreset() {
        PresetObjective[] objectives = {new GrpoObjective(), new DrGrpoObjective(),
            new DapoObjective(), new GspoObjective(), new V32Objective()};
        for (int i = 0; i < objectives.length; i++) {
            assertSame(Preset.values()[i], objectives[i].preset());
            assertEquals(Preset.values()[i].config(),
                    objectives[i].create(PluginConfig.empty()).config());
        }
        assertEquals(0.3, new V32Objective().create(PluginConfig.of(Map.of("clip_high", 0.3),
                ORIGIN)).config().clipHigh());
    }

    @Test
    void unknownPresetsAreListed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preset.of("ppo"));
        assertTrue(e.getMessage().contains("[grpo, dr_grpo, dapo, gspo, v32]"), e.getMessage());
    }

    private static ConfigException rejected(Map<String, ?> config) {
        return assertThrows(ConfigException.class,
                () -> new GrpoObjective().create(PluginConfig.of(config, ORIGIN)));
    }
}
