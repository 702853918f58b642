package org.sparsa.runner.internal.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.runner.internal.recipe.RecipeError;
import org.sparsa.runner.internal.recipe.RecipeException;
import org.sparsa.runner.internal.recipe.SweepParameter;
import org.sparsa.runner.internal.recipe.YamlValue;

/**
 * The overrides of {@code sparsa sweep}, Hydra style: {@code KEY=A,B,C} sweeps KEY over A, B and
 * C (grid points, or choices of a random sweep), any other {@code KEY=VALUE} applies to every
 * trial. Only commas outside brackets, braces and quotes separate values, so
 * {@code model.attention={id: full, config: {}}} stays one value.
 *
 * @param plain the overrides every trial gets
 * @param swept the swept keys with their values, in the order given
 */
public record CommandLineSweep(List<String> plain, Map<String, SweepParameter> swept) {
    public CommandLineSweep {
        plain = List.copyOf(plain);
        swept = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(swept));
    }

    /**
     * Sorts {@code overrides} into plain ones and swept lists.
     *
     * @throws RecipeException naming each list whose values are not valid YAML, or that lists
     *     an empty value
     */
    public static CommandLineSweep parse(List<String> overrides) {
        List<String> plain = new ArrayList<>();
        Map<String, SweepParameter> swept = new LinkedHashMap<>();
        List<RecipeError> errors = new ArrayList<>();
        for (String override : overrides) {
            int eq = override.indexOf('=');
            List<String> parts = eq <= 0 ? List.of() : split(override.substring(eq + 1));
            if (parts.size() < 2) {
                // Left to the recipe loader, which explains a malformed one.
                plain.add(override);
                continue;
            }
            String key = override.substring(0, eq).trim();
            List<Object> values = new ArrayList<>();
            for (String part : parts) {
                if (part.isBlank()) {
                    errors.add(new RecipeError(key, "an empty value in the list; expected "
                            + "values separated by single commas", "override '" + override
                            + "'"));
                    continue;
                }
                try {
                    values.add(YamlValue.parse(part.strip()));
                } catch (IllegalArgumentException e) {
                    errors.add(new RecipeError(key, "value '" + part + "' is not valid YAML: "
                            + e.getMessage(), "override '" + override + "'"));
                }
            }
            swept.put(key, new SweepParameter.Choices(values));
        }
        if (!errors.isEmpty()) {
            throw new RecipeException("the command line", errors);
        }
        return new CommandLineSweep(plain, swept);
    }

    /** {@code text} cut at each comma outside brackets, braces and quotes. */
    static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }
}
