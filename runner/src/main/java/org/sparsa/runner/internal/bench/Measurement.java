package org.sparsa.runner.internal.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One measurement as one flat JSON object, its fields named as the PyTorch baseline
 * ({@code torch_baseline.py}) names them ({@code bench}, {@code T}, {@code fwd_seconds},
 * {@code tokens_per_second}, …), plus {@code plugin} and {@code backend}, in insertion order.
 *
 * @param fields the values (strings and numbers), unmodifiable
 */
public record Measurement(Map<String, Object> fields) {
    /**
     * The field naming the workload: {@code gemm}, {@code attention}, {@code train} or
     * {@code decode}.
     */
    public static final String BENCH = "bench";
    /** The field naming the attention plugin. */
    public static final String PLUGIN = "plugin";
    /** The field naming the backend the measurement ran on ({@code java}, {@code opencl}). */
    public static final String BACKEND = "backend";

    private static final ObjectMapper JSON = new ObjectMapper();

    public Measurement {
        Objects.requireNonNull(fields.get(BENCH), "a measurement needs a 'bench' field");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A measurement of {@code bench} on {@code backend}, to be completed with {@link #with}. */
    public static Measurement of(String bench, String backend) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put(BENCH, bench);
        fields.put(BACKEND, backend);
        return new Measurement(fields);
    }

    /** This measurement with {@code key} set to {@code value}, appended when new. */
    public Measurement with(String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(fields);
        copy.put(key, value);
        return new Measurement(copy);
    }

    /** The workload. */
    public String bench() {
        return (String) fields.get(BENCH);
    }

    /** The string at {@code key}, or null when absent. */
    public String text(String key) {
        Object value = fields.get(key);
        return value == null ? null : value.toString();
    }

    /** The number at {@code key}, or null when absent or not a number. */
    public Double number(String key) {
        return fields.get(key) instanceof Number n ? n.doubleValue() : null;
    }

    /** The measurement as one line of JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a measurement as JSON: " + fields, e);
        }
    }
}
