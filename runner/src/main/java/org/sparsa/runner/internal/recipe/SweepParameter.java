package org.sparsa.runner.internal.recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where one swept key takes its values from: a list of values (grid points, or the choices a
 * random sweep draws from), or, for random sweeps only, a uniform or log-uniform range.
 */
public sealed interface SweepParameter {
    /** The parameter as the recipe writes it, for {@code sweep.yaml}. */
    Object raw();

    /**
     * A list of values, each anything a recipe key takes: a number, a string, a whole mapping.
     *
     * @param values the values in the order given; a value written {@code {name: N, value: V}}
     *     stands for V and names its trials N
     */
    record Choices(List<Object> values) implements SweepParameter {
        public Choices {
            values = List.copyOf(values);
        }

        @Override
        public Object raw() {
            return values;
        }
    }

    /**
     * Uniform between {@code low} and {@code high}; whole numbers when both bounds are, both
     * bounds included then.
     */
    record Range(double low, double high, boolean integers) implements SweepParameter {
        @Override
        public Object raw() {
            return bounds("range", low, high, integers);
        }
    }

    /** Log-uniform between {@code low} and {@code high}, both above 0. */
    record LogUniform(double low, double high) implements SweepParameter {
        @Override
        public Object raw() {
            return bounds("log_uniform", low, high, false);
        }
    }

    private static Map<String, Object> bounds(String kind, double low, double high,
            boolean integers) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(kind, integers ? List.of((long) low, (long) high) : List.of(low, high));
        return out;
    }
}
