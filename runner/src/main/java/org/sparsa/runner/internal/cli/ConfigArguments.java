package org.sparsa.runner.internal.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.runner.internal.recipe.YamlValue;
import org.sparsa.core.io.BoundedReads;

/**
 * Turns {@code --config} arguments into a plugin configuration. Each argument is either
 * {@code key=value}, where the value is read as YAML ({@code 3}, {@code true},
 * {@code [a, b]}, {@code {reward: format}}) and a dotted key nests ({@code judge_config.x=1}),
 * or {@code @file.yaml}, a YAML map merged in. Later arguments win.
 */
final class ConfigArguments {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigArguments() {
    }

    static PluginConfig parse(List<String> arguments) throws IOException {
        Map<String, Object> values = new LinkedHashMap<>();
        StringBuilder origin = new StringBuilder();
        for (String argument : arguments) {
            if (argument.startsWith("@")) {
                Path file = Path.of(argument.substring(1));
                values.putAll(readMap(file));
                origin.append(origin.length() == 0 ? "" : ", ").append(file);
                continue;
            }
            int eq = argument.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--config '" + argument
                        + "': expected key=value or @file.yaml");
            }
            String key = argument.substring(0, eq).trim();
            put(values, key, parseValue(key, argument.substring(eq + 1)));
        }
        return PluginConfig.of(values, origin.length() == 0 ? "--config" : "--config " + origin);
    }

    private static Object parseValue(String key, String text) {
        try {
            return YamlValue.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--config " + key + ": value '" + text
                    + "' is not valid YAML: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> values, String dottedKey, Object value) {
        String[] parts = dottedKey.split("\\.");
        Map<String, Object> map = values;
        for (int i = 0; i < parts.length - 1; i++) {
            Object child = map.get(parts[i]);
            if (!(child instanceof Map)) {
                child = new LinkedHashMap<String, Object>();
                map.put(parts[i], child);
            }
            map = (Map<String, Object>) child;
        }
        map.put(parts[parts.length - 1], value);
    }

    private static Map<String, Object> readMap(Path file) throws IOException {
        Object content;
        try {
            content = YAML.readValue(BoundedReads.readString(file, BoundedReads.CONFIG_LIMIT),
                    Object.class);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--config @" + file + ": no such file");
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("--config @" + file + ": not valid YAML: "
                    + firstLine(e.getMessage()));
        }
        if (content == null) {
            return Map.of();
        }
        if (!(content instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("--config @" + file
                    + ": expected a YAML map of keys to values at the top level");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
