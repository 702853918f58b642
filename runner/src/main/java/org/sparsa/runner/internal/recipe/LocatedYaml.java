package org.sparsa.runner.internal.recipe;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as plain maps, lists and scalars, remembering for every key path
 * ({@code stages[1].lr}) the file line it was written on, or the command-line override that
 * set it, so every error can point there. Jackson's tree model drops locations, so the tree is
 * built from the parser's tokens.
 */
final class LocatedYaml {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final String source;
    private final Map<String, Object> root;
    private final Map<String, String> where = new HashMap<>();

    private LocatedYaml(String source) {
        this.source = source;
        this.root = new LinkedHashMap<>();
    }

    /**
     * Parses {@code text}, read from {@code source}.
     *
     * @throws RecipeException when it is not YAML, or not a map of keys at the top
     */
    static LocatedYaml parse(String source, String text) {
        LocatedYaml yaml = new LocatedYaml(source);
        List<RecipeError> errors = new ArrayList<>();
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return yaml;
            }
            if (first != JsonToken.START_OBJECT) {
                errors.add(new RecipeError("", "expected a map of keys (name:, model:, "
                        + "stages: …) at the top", yaml.line(parser.currentTokenLocation())));
            } else {
                yaml.readMap(parser, "", yaml.root, errors);
                if (parser.nextToken() != null) {
                    errors.add(new RecipeError("", "a second YAML document (after '---') starts "
                            + "here; a recipe is one document",
                            yaml.line(parser.currentTokenLocation())));
                }
            }
        } catch (JacksonException e) {
            JsonLocation location = e.getLocation();
            errors.add(new RecipeError("", "not valid YAML: " + firstLine(e.getOriginalMessage()),
                    location == null ? source : yaml.line(location)));
        } catch (IOException e) {
            errors.add(new RecipeError("", "cannot read: " + e.getMessage(), source));
        }
        if (!errors.isEmpty()) {
            throw new RecipeException(source, errors);
        }
        return yaml;
    }

    /** The name the recipe was read from, as the user gave it. */
    String source() {
        return source;
    }

    /** The top-level map; overrides change it in place. */
    Map<String, Object> root() {
        return root;
    }

    /**
     * Where {@code path} was set: its own line, else the nearest enclosing key's (a missing key
     * is reported at the section that lacks it), else the file.
     */
    String where(String path) {
        String p = path;
        while (!p.isEmpty()) {
            String found = where.get(p);
            if (found != null) {
                return found;
            }
            p = parent(p);
        }
        return source;
    }

    /** Records that {@code path} and everything below it now come from {@code origin}. */
    void setOrigin(String path, String origin) {
        where.keySet().removeIf(p -> p.startsWith(path + ".") || p.startsWith(path + "["));
        where.put(path, origin);
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String item(String path, int index) {
        return path + "[" + index + "]";
    }

    private static String parent(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    private String line(JsonLocation location) {
        return source + " line " + location.getLineNr();
    }

    private void readMap(JsonParser parser, String path, Map<String, Object> into,
            List<RecipeError> errors) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            String keyPath = child(path, key);
            String at = line(parser.currentTokenLocation());
            parser.nextToken();
            Object value = read(parser, keyPath, errors);
            if (into.containsKey(key)) {
                // YAML forbids it, but parsers let the last one win silently; say so instead.
                errors.add(new RecipeError(keyPath, "given twice (first at "
                        + where.get(keyPath) + ")", at));
            }
            where.put(keyPath, at);
            into.put(key, value);
        }
    }

    private Object read(JsonParser parser, String path, List<RecipeError> errors)
            throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                readMap(parser, path, map, errors);
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    String itemPath = item(path, list.size());
                    where.put(itemPath, line(parser.currentTokenLocation()));
                    list.add(read(parser, itemPath, errors));
                }
                return list;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT -> {
                return parser.getNumberValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return parser.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> {
                return parser.getText();
            }
        }
    }

    private static String firstLine(String message) {
        String text = String.valueOf(message).strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
