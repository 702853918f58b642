package org.sparsa.runner.internal.sweep;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.core.checkpoint.DurableFiles;
import org.sparsa.core.io.BoundedReads;

/**
 * A sweep's {@code sweep.yaml}: the recipe and overrides it starts from, its definition, the
 * hash of what its trials run, and every trial. Written before the first trial starts; a rerun
 * in the same folder must have the same hash.
 *
 * @param recipe the recipe file as given
 * @param name the recipe's name
 * @param overrides the overrides every trial gets
 * @param sweep the sweep definition as a recipe writes it (method, parameters, seeds, …)
 * @param metric the {@code result.json} key that ranks configurations
 * @param goal {@code min} or {@code max}
 * @param hash the SHA-256 of every trial's name and resolved recipe: equal hashes mean the same
 *     trials run the same recipes
 * @param trials every trial, in order
 */
public record SweepManifest(String recipe, String name, List<String> overrides,
        Map<String, Object> sweep, String metric, String goal, String hash,
        List<Trial> trials) {
    /** The file's name in a sweep folder. */
    public static final String FILE_NAME = "sweep.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build());

    public SweepManifest {
        overrides = List.copyOf(overrides);
        trials = List.copyOf(trials);
    }

    /** The swept keys, in the order the definition gives them. */
    public List<String> parameterKeys() {
        return trials.isEmpty() ? List.of() : List.copyOf(trials.get(0).parameters().keySet());
    }

    /** Whether larger values of {@link #metric} are better. */
    public boolean maximise() {
        return "max".equals(goal);
    }

    /** Writes this manifest to {@code folder/sweep.yaml} atomically. */
    public void write(Path folder) throws IOException {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("recipe", recipe);
        tree.put("name", name);
        tree.put("overrides", overrides);
        tree.put("sweep", sweep);
        tree.put("metric", metric);
        tree.put("goal", goal);
        tree.put("hash", hash);
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Trial trial : trials) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("number", trial.number());
            entry.put("name", trial.name());
            entry.put("configuration", trial.configuration());
            entry.put("parameters", trial.parameters());
            if (trial.seed() != null) {
                entry.put("seed", trial.seed());
            }
            entry.put("overrides", trial.overrides());
            entries.add(entry);
        }
        tree.put("trials", entries);
        String text = "# The sweep this folder holds; `sparsa sweep` refuses to mix another into "
                + "it.\n" + YAML.writeValueAsString(tree);
        DurableFiles.replace(folder.resolve(FILE_NAME), text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads {@code folder/sweep.yaml}.
     *
     * @throws IllegalArgumentException when the folder has none, or it is damaged; the message
     *     names the file
     */
    public static SweepManifest read(Path folder) throws IOException {
        Path file = folder.resolve(FILE_NAME);
        JsonNode root;
        try {
            root = YAML.readTree(BoundedReads.readString(file, BoundedReads.CONFIG_LIMIT));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(folder + ": not a sweep folder (it has no "
                    + FILE_NAME + ")");
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": not valid YAML: "
                    + e.getOriginalMessage());
        }
        try {
            List<Trial> trials = new ArrayList<>();
            for (JsonNode t : required(root, "trials")) {
                Map<String, String> parameters = new LinkedHashMap<>();
                required(t, "parameters").properties().forEach(
                        e -> parameters.put(e.getKey(), e.getValue().asText()));
                trials.add(new Trial(required(t, "number").asInt(),
                        required(t, "name").asText(),
                        required(t, "configuration").asText(), parameters,
                        t.hasNonNull("seed") ? t.get("seed").asLong() : null,
                        strings(t.get("overrides"))));
            }
            return new SweepManifest(root.path("recipe").asText(), root.path("name").asText(),
                    strings(root.get("overrides")), YAML.convertValue(root.path("sweep"),
                            Map.class), required(root, "metric").asText(),
                    required(root, "goal").asText(), required(root, "hash").asText(),
                    trials);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode required(JsonNode node, String key) {
        JsonNode value = node == null ? null : node.get(key);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("missing '" + key + "'");
        }
        return value;
    }

    private static List<String> strings(JsonNode list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            list.forEach(item -> out.add(item.asText()));
        }
        return out;
    }
}
