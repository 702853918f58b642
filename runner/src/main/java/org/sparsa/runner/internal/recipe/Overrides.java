package org.sparsa.runner.internal.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies command-line overrides {@code KEY=VALUE} to a recipe before it is validated. Keys are
 * dotted paths where a number picks a list entry ({@code stages.0.lr=3e-4},
 * {@code model.attention.id=full}); values are read as YAML. Missing sections are created, but
 * never list entries; whether the key itself is allowed is left to validation, which then names
 * the override instead of a file line.
 */
final class Overrides {
    private Overrides() {
    }

    /** Applies each override in order, adding a problem for each one that cannot apply. */
    @SuppressWarnings("unchecked")
    static void apply(LocatedYaml yaml, List<String> overrides, List<RecipeError> errors) {
        for (String override : overrides) {
            String origin = "override '" + override + "'";
            int eq = override.indexOf('=');
            if (eq <= 0) {
                errors.add(new RecipeError("", "expected KEY=VALUE, with a dotted KEY such as "
                        + "stages.0.lr", origin));
                continue;
            }
            String key = override.substring(0, eq).trim();
            Object value;
            try {
                value = YamlValue.parse(override.substring(eq + 1));
            } catch (IllegalArgumentException e) {
                errors.add(new RecipeError(key, "value is not valid YAML: " + e.getMessage(),
                        origin));
                continue;
            }
            String[] parts = key.split("\\.", -1);
            Object node = yaml.root();
            String path = "";
            for (int i = 0; i < parts.length; i++) {
                String part = parts[i];
                boolean last = i == parts.length - 1;
                if (part.isEmpty()) {
                    errors.add(new RecipeError(key, "empty key segment", origin));
                    break;
                }
                if (node instanceof Map<?, ?> raw) {
                    Map<String, Object> map = (Map<String, Object>) raw;
                    path = LocatedYaml.child(path, part);
                    if (last) {
                        map.put(part, value);
                        yaml.setOrigin(path, origin);
                    } else {
                        Object next = map.get(part);
                        if (next == null) {
                            next = new LinkedHashMap<String, Object>();
                            map.put(part, next);
                            yaml.setOrigin(path, origin);
                        }
                        node = next;
                    }
                } else if (node instanceof List<?> raw) {
                    List<Object> list = (List<Object>) raw;
                    int index = index(part);
                    if (index < 0 || index >= list.size()) {
                        errors.add(new RecipeError(key, "'" + part + "' is not an entry of "
                                + path + ", which has " + list.size()
                                + (list.size() == 1 ? " entry" : " entries")
                                + (list.isEmpty() ? "" : " (0 to " + (list.size() - 1) + ")"),
                                origin));
                        break;
                    }
                    path = LocatedYaml.item(path, index);
                    if (last) {
                        list.set(index, value);
                        yaml.setOrigin(path, origin);
                    } else {
                        node = list.get(index);
                    }
                } else {
                    errors.add(new RecipeError(key, path + " is a value ('" + node
                            + "'), so it has no key '" + part + "'", origin));
                    break;
                }
            }
        }
    }

    private static int index(String part) {
        try {
            return Integer.parseInt(part);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
