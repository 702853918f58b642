package org.sparsa.runner.internal.recipe;

import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One map of a recipe being read: typed getters that record a problem (key path, what was
 * expected, what was found, where) and return the fallback instead of stopping, so that one
 * validation reports every problem. Each getter also declares its key as allowed;
 * {@link #rejectUnknown()} then reports the rest with a did-you-mean.
 */
final class Section {
    private final LocatedYaml yaml;
    private final String path;
    private final Map<String, Object> values;
    private final List<RecipeError> errors;
    private final Set<String> allowed = new LinkedHashSet<>();
    private final Set<String> ignored = new LinkedHashSet<>();

    Section(LocatedYaml yaml, String path, Map<String, Object> values, List<RecipeError> errors) {
        this.yaml = yaml;
        this.path = path;
        this.values = values;
        this.errors = errors;
    }

    String path() {
        return path;
    }

    String path(String key) {
        return LocatedYaml.child(path, key);
    }

    /** The keys present, in file order. */
    Set<String> keys() {
        return values.keySet();
    }

    boolean has(String key) {
        allowed.add(key);
        return values.get(key) != null;
    }

    /** The value as written, or {@code null}; declares the key allowed. */
    Object raw(String key) {
        allowed.add(key);
        return values.get(key);
    }

    /** Records a problem with {@code key} (or with this section when {@code key} is null). */
    void error(String key, String problem) {
        String at = key == null ? path : path(key);
        errors.add(new RecipeError(at, problem, yaml.where(at)));
    }

    /** Records a problem about a path below this section, such as a list entry. */
    void errorAt(String fullPath, String problem) {
        errors.add(new RecipeError(fullPath, problem, yaml.where(fullPath)));
    }

    /** Reports {@code key} missing when it is; returns whether it is present. */
    boolean require(String key, String expected) {
        if (has(key)) {
            return true;
        }
        error(key, "missing; expected " + expected);
        return false;
    }

    /** Declares keys this section accepts without reading them and never suggests. */
    void ignore(String... keys) {
        ignored.addAll(List.of(keys));
    }

    /** Reports every key present that no getter asked for, suggesting the nearest allowed. */
    void rejectUnknown() {
        for (String key : values.keySet()) {
            if (!allowed.contains(key) && !ignored.contains(key)) {
                error(key, "unknown key" + (path.isEmpty() ? "" : " in " + path)
                        + DidYouMean.hint(key, allowed));
            }
        }
    }

    String string(String key, String fallback) {
        Object value = raw(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        return wrong(key, value, "a string", fallback);
    }

    /**
     * A string that names a file or folder: refused when this platform cannot make a path of
     * it (a NUL character, for one), so that the run does not fail later on opening it.
     */
    String path(String key, String fallback) {
        String value = string(key, fallback);
        if (value == null) {
            return null;
        }
        try {
            Path.of(value);
            return value;
        } catch (InvalidPathException e) {
            error(key, "expected a file or folder path, found '" + printable(value) + "': "
                    + e.getReason());
            return fallback;
        }
    }

    /** {@code text} with control characters shown as {@code \\uXXXX} escapes. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** A string that must be one of {@code choices}. */
    String choice(String key, String fallback, Collection<String> choices) {
        String value = string(key, fallback);
        if (value != null && !choices.contains(value)) {
            error(key, "expected one of " + String.join(", ", choices) + ", found '" + value
                    + "'" + DidYouMean.closest(value, choices).map(s -> "; did you mean '" + s
                    + "'?").orElse(""));
            return fallback;
        }
        return value;
    }

    Long integer(String key, Long fallback) {
        Object value = raw(key);
        if (value == null) {
            return fallback;
        }
        Long parsed = asLong(value);
        return parsed != null ? parsed : wrong(key, value, "an integer", fallback);
    }

    /** An integer of at least {@code min}. */
    Long integer(String key, Long fallback, long min) {
        Long value = integer(key, fallback);
        if (value != null && value < min) {
            error(key, "expected an integer of at least " + min + ", found " + value);
            return fallback;
        }
        return value;
    }

    /** An integer of at least {@code min} that fits an {@code int}. */
    Integer smallInteger(String key, Integer fallback, long min) {
        Long value = integer(key, fallback == null ? null : fallback.longValue(), min);
        if (value != null && value > Integer.MAX_VALUE) {
            error(key, "expected an integer up to " + Integer.MAX_VALUE + ", found " + value);
            return fallback;
        }
        return value == null ? null : value.intValue();
    }

    Double number(String key, Double fallback) {
        Object value = raw(key);
        if (value == null) {
            return fallback;
        }
        Double parsed = asDouble(value);
        return parsed != null ? parsed : wrong(key, value, "a number", fallback);
    }

    /** A number above 0 ({@code strict}) or at least 0. */
    Double positive(String key, Double fallback, boolean strict) {
        Double value = number(key, fallback);
        if (value != null && (strict ? value <= 0 : value < 0)) {
            error(key, "expected a number " + (strict ? "above 0" : "of at least 0")
                    + ", found " + value);
            return fallback;
        }
        return value;
    }

    Boolean bool(String key, Boolean fallback) {
        Object value = raw(key);
        if (value == null) {
            return fallback;
        }
        Boolean parsed = asBoolean(value);
        return parsed != null ? parsed : wrong(key, value, "true or false", fallback);
    }

    /** The list at {@code key}, empty when absent or wrong. */
    List<Object> list(String key) {
        Object value = raw(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        return wrong(key, value, "a list", List.of());
    }

    /** The map at {@code key} as a section; an empty one when absent or wrong. */
    @SuppressWarnings("unchecked")
    Section section(String key) {
        Object value = raw(key);
        if (value instanceof Map<?, ?> map) {
            return new Section(yaml, path(key), (Map<String, Object>) map, errors);
        }
        if (value != null) {
            wrong(key, value, "a map of keys", null);
        }
        return new Section(yaml, path(key), new LinkedHashMap<>(), errors);
    }

    /** A list entry or other value at {@code fullPath} as a section, or null when not a map. */
    @SuppressWarnings("unchecked")
    Section sectionAt(String fullPath, Object value) {
        if (value instanceof Map<?, ?> map) {
            return new Section(yaml, fullPath, (Map<String, Object>) map, errors);
        }
        errorAt(fullPath, "expected a map of keys, found " + describe(value));
        return null;
    }

    <T> T wrong(String key, Object value, String expected, T fallback) {
        error(key, "expected " + expected + ", found " + describe(value));
        return fallback;
    }

    static String describe(Object value) {
        if (value == null) {
            return "nothing";
        }
        if (value instanceof Map<?, ?>) {
            return "a map";
        }
        if (value instanceof List<?>) {
            return "a list";
        }
        String shown = String.valueOf(value);
        return "'" + (shown.length() > 60 ? shown.substring(0, 57) + "..." : shown) + "'";
    }

    static Long asLong(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger big) {
            return big.bitLength() < 64 ? big.longValue() : null;
        }
        if (value instanceof Number number) {
            double d = number.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 0x1p53 ? (long) d : null;
        }
        if (value instanceof String text) {
            try {
                return Long.parseLong(text.strip().replace("_", ""));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    static Double asDouble(Object value) {
        double d;
        if (value instanceof Number number) {
            d = number.doubleValue();
        } else if (value instanceof String text) {
            // YAML 1.1 reads 3e-4 (no dot) as text; it is plainly meant as a number.
            try {
                d = Double.parseDouble(text.strip());
            } catch (NumberFormatException e) {
                return null;
            }
        } else {
            return null;
        }
        return Double.isFinite(d) ? d : null;
    }

    static Boolean asBoolean(Object value) {
        if (value instanceof Boolean flag) {
            return flag;
        }
        if (value instanceof String text) {
            if (text.equalsIgnoreCase("true")) {
                return true;
            }
            if (text.equalsIgnoreCase("false")) {
                return false;
            }
        }
        return null;
    }
}
