package org.sparsa.runner.internal.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sparsa.runner.internal.recipe.YamlValue;

/**
 * How a swept value is written: as the value text of a {@code KEY=VALUE} override that reads
 * back as the same value, and as a short label for trial names, tables and plots.
 */
final class SweepValues {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SweepValues() {
    }

    /** Whether {@code value} is written {@code {name: N, value: V}}: V, labelled N. */
    static boolean labelled(Object value) {
        return value instanceof Map<?, ?> map && map.containsKey("value")
                && map.containsKey("name") && map.size() == 2;
    }

    /** The value a swept entry stands for: V of a labelled value, else the entry itself. */
    static Object unwrap(Object value) {
        return labelled(value) ? ((Map<?, ?>) value).get("value") : value;
    }

    /**
     * The short label of list entry {@code index}: the name of a labelled value, the
     * {@code id} of a mapping that has one (a plugin reference), the text of a scalar, else
     * {@code v} and the entry's position.
     */
    static String label(Object value, int index) {
        if (labelled(value)) {
            return String.valueOf(((Map<?, ?>) value).get("name"));
        }
        if (value instanceof Map<?, ?> map && map.get("id") instanceof String id) {
            return id;
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            return "v" + index;
        }
        return scalar(value);
    }

    /**
     * {@code value} as override text: YAML that reads back as {@code value}. Mappings and lists
     * are written as JSON, which is YAML too.
     */
    static String text(Object value) {
        if (value instanceof String text) {
            try {
                if (Objects.equals(YamlValue.parse(text), text) && !text.isBlank()) {
                    return text;
                }
            } catch (IllegalArgumentException notPlain) {
                // Quoted below.
            }
        }
        if (value instanceof Number || value instanceof Boolean || value == null) {
            return scalar(value);
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value + " as an override", e);
        }
    }

    /** A number in its shortest exact decimal form: 0.0003, not 3.0E-4; 2, not 2.0. */
    private static String scalar(Object value) {
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                return String.valueOf(d);
            }
            BigDecimal exact = BigDecimal.valueOf(d).stripTrailingZeros();
            String plain = exact.toPlainString();
            // Very large or small values read better with an exponent (1E-7, not 0.0000001).
            return plain.length() <= 12 ? plain : exact.toString();
        }
        return String.valueOf(value);
    }
}
