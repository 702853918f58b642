package org.sparsa.testkit.conformance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.parameter.Parameters;

/**
 * A layer's parameters as given variables, so that a gradient check can hand the layer its
 * perturbed copies in place of the ones the parameter store holds.
 */
final class ParameterView implements Parameters {
    private final Map<String, Variable> byName;

    ParameterView(List<String> names, List<Variable> values) {
        if (names.size() != values.size()) {
            throw new IllegalArgumentException(names.size() + " parameter names for "
                    + values.size() + " values");
        }
        byName = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            byName.put(names.get(i), values.get(i));
        }
    }

    @Override
    public Variable get(String name) {
        Variable value = byName.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; the layer's specs "
                    + "declare " + byName.keySet());
        }
        return value;
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }
}
