package org.sparsa.core.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.core.safetensors.DType;
import org.sparsa.core.safetensors.SafetensorsException;
import org.sparsa.core.safetensors.SafetensorsFile;
import org.sparsa.core.safetensors.TensorEntry;

/**
 * One golden case read whole from its file: the op it checks, the op's configuration, the
 * tolerance, and its tensors. Names follow the golden format: {@code in.*} and {@code param.*}
 * are inputs, {@code dout.*} upstream gradients, {@code out.*} expected outputs and
 * {@code grad.*} expected gradients.
 */
public final class GoldenCase {
    /** The format this reader understands. */
    public static final String FORMAT = "sparsa-golden/1";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final String op;
    private final String description;
    private final Map<String, Object> config;
    private final double atol;
    private final double rtol;
    private final Map<String, TensorEntry> entries;
    private final Map<String, float[]> floats;
    private final Map<String, int[]> ints;

    private GoldenCase(Path file, Map<String, String> metadata, List<TensorEntry> entries,
            Map<String, float[]> floats, Map<String, int[]> ints) throws SafetensorsException {
        this.file = file;
        String format = metadata.get("format");
        if (!FORMAT.equals(format)) {
            throw new SafetensorsException(file, "metadata format is '" + format
                    + "', expected '" + FORMAT + "'");
        }
        this.op = required(file, metadata, "op");
        this.description = metadata.getOrDefault("description", "");
        this.config = jsonObject(file, metadata, "config");
        Map<String, Object> tolerance = jsonObject(file, metadata, "tolerance");
        this.atol = number(file, tolerance, "atol");
        this.rtol = number(file, tolerance, "rtol");
        Map<String, TensorEntry> byName = new LinkedHashMap<>();
        entries.forEach(e -> byName.put(e.name(), e));
        this.entries = Collections.unmodifiableMap(byName);
        this.floats = floats;
        this.ints = ints;
    }

    /**
     * Reads the case in {@code file}.
     *
     * @throws SafetensorsException naming the file and what is wrong when it is not a
     *     well-formed golden case
     */
    public static GoldenCase read(Path file) throws IOException {
        try (SafetensorsFile safetensors = SafetensorsFile.open(file)) {
            Map<String, float[]> floats = new LinkedHashMap<>();
            Map<String, int[]> ints = new LinkedHashMap<>();
            for (TensorEntry entry : safetensors.entries()) {
                if (isInteger(entry.dtype())) {
                    ints.put(entry.name(), safetensors.readInts(entry.name()));
                } else {
                    floats.put(entry.name(), safetensors.readFloats(entry.name()));
                }
            }
            return new GoldenCase(file, safetensors.metadata(), safetensors.entries(), floats,
                    ints);
        }
    }

    private static boolean isInteger(DType dtype) {
        return dtype == DType.I32 || dtype == DType.I64 || dtype == DType.U8;
    }

    /** The file the case came from. */
    public Path file() {
        return file;
    }

    /** The op the case checks ({@code attention.full}). */
    public String op() {
        return op;
    }

    /** What the case covers, in words. */
    public String description() {
        return description;
    }

    /** The op's configuration (parsed from the metadata's JSON). */
    public Map<String, Object> config() {
        return config;
    }

    /** Absolute tolerance: a value passes when {@code |got - want| <= atol + rtol * |want|}. */
    public double atol() {
        return atol;
    }

    /** Relative tolerance, see {@link #atol()}. */
    public double rtol() {
        return rtol;
    }

    /** Every tensor of the case, in file order. */
    public List<TensorEntry> entries() {
        return List.copyOf(entries.values());
    }

    /** Whether the case has a tensor called {@code name}. */
    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** The shape of tensor {@code name}. */
    public int[] shape(String name) {
        return entry(name).shape();
    }

    /** Whether tensor {@code name} holds integers (I32, I64 or U8). */
    public boolean isInteger(String name) {
        return isInteger(entry(name).dtype());
    }

    /** The values of floating-point tensor {@code name}; a copy. */
    public float[] floats(String name) {
        float[] values = floats.get(name);
        if (values == null) {
            throw new IllegalArgumentException(file.getFileName() + ": '" + name + "' is "
                    + (entries.containsKey(name) ? "an integer tensor" : "not in the case"));
        }
        return values.clone();
    }

    /** The values of integer tensor {@code name}; a copy. */
    public int[] ints(String name) {
        int[] values = ints.get(name);
        if (values == null) {
            throw new IllegalArgumentException(file.getFileName() + ": '" + name + "' is "
                    + (entries.containsKey(name) ? "a floating-point tensor" : "not in the case"));
        }
        return values.clone();
    }

    private TensorEntry entry(String name) {
        TensorEntry entry = entries.get(name);
        if (entry == null) {
            throw new IllegalArgumentException(file.getFileName() + ": no tensor '" + name
                    + "'; the case has " + entries.keySet());
        }
        return entry;
    }

    private static String required(Path file, Map<String, String> metadata, String key)
            throws SafetensorsException {
        String value = metadata.get(key);
        if (value == null || value.isBlank()) {
            throw new SafetensorsException(file, "metadata has no '" + key + "'");
        }
        return value;
    }

    private static Map<String, Object> jsonObject(Path file, Map<String, String> metadata,
            String key) throws SafetensorsException {
        String text = required(file, metadata, key);
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (IOException e) {
            throw new SafetensorsException(file, "metadata '" + key + "' is not valid JSON: "
                    + text);
        }
        if (node == null || !node.isObject()) {
            throw new SafetensorsException(file, "metadata '" + key
                    + "' must be a JSON object, found " + text);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(node, Map.class);
        return Collections.unmodifiableMap(map);
    }

    private static double number(Path file, Map<String, Object> tolerance, String key)
            throws SafetensorsException {
        if (!(tolerance.get(key) instanceof Number value) || !(value.doubleValue() >= 0)) {
            throw new SafetensorsException(file, "tolerance '" + key
                    + "' must be a number >= 0, found " + tolerance.get(key));
        }
        return value.doubleValue();
    }
}
