package org.sparsa.runner.internal.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;

/**
 * Reads the value half of a command-line {@code key=value} as YAML, so that {@code 3},
 * {@code true}, {@code [a, b]} and {@code {id: full}} mean what they mean in a recipe file.
 */
public final class YamlValue {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private YamlValue() {
    }

    /**
     * The value {@code text} denotes; blank text is the empty string.
     *
     * @throws IllegalArgumentException with the parser's first line when it is not valid YAML
     */
    public static Object parse(String text) {
        if (text.isBlank()) {
            return text;
        }
        try {
            return YAML.readValue(text, Object.class);
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            int newline = message.indexOf('\n');
            throw new IllegalArgumentException(newline < 0 ? message
                    : message.substring(0, newline));
        }
    }
}
