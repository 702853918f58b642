package org.sparsa.core.verify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** What an op computed for a golden case: outputs and gradients by their golden names. */
public final class GoldenOutputs {
    private final Map<String, float[]> floats = new LinkedHashMap<>();
    private final Map<String, int[]> ints = new LinkedHashMap<>();

    /** Records floating-point result {@code name} ({@code out.y}, {@code grad.q}). */
    public GoldenOutputs put(String name, float[] values) {
        floats.put(name, values);
        return this;
    }

    /** Records integer result {@code name} ({@code out.selected}). */
    public GoldenOutputs putInts(String name, int[] values) {
        ints.put(name, values);
        return this;
    }

    /** The floating-point results. */
    public Map<String, float[]> floats() {
        return Collections.unmodifiableMap(floats);
    }

    /** The integer results. */
    public Map<String, int[]> ints() {
        return Collections.unmodifiableMap(ints);
    }
}
