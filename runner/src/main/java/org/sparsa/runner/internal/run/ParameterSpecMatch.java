package org.sparsa.runner.internal.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.parameter.ParameterSpec;

/**
 * Whether a new revision of an attention plugin declares the parameters the run already holds
 * for a layer: the same names with the same shapes. Order and initialisation do not count (the
 * values exist already and a layer looks its parameters up by name).
 */
final class ParameterSpecMatch {
    private ParameterSpecMatch() {
    }

    /**
     * What differs between the specs in use and the offered ones, every difference named with
     * the expected and the offered shape; empty when they match.
     */
    static Optional<String> mismatch(List<ParameterSpec> inUse, List<ParameterSpec> offered) {
        Map<String, List<Integer>> expected = new LinkedHashMap<>();
        inUse.forEach(spec -> expected.put(spec.name(), spec.shape()));
        Map<String, List<Integer>> got = new LinkedHashMap<>();
        List<String> differences = new ArrayList<>();
        for (ParameterSpec spec : offered) {
            if (got.put(spec.name(), spec.shape()) != null) {
                differences.add("parameter '" + spec.name() + "' is declared twice");
            }
        }
        expected.forEach((name, shape) -> {
            List<Integer> offeredShape = got.get(name);
            if (offeredShape == null) {
                differences.add("parameter '" + name + "' " + shape + " is missing");
            } else if (!offeredShape.equals(shape)) {
                differences.add("parameter '" + name + "' has shape " + offeredShape
                        + ", expected " + shape);
            }
        });
        got.forEach((name, shape) -> {
            if (!expected.containsKey(name)) {
                differences.add("parameter '" + name + "' " + shape + " is new (the run has "
                        + "no values for it)");
            }
        });
        return differences.isEmpty() ? Optional.empty()
                : Optional.of(String.join("; ", differences));
    }
}
