package org.sparsa.runner.internal.sweep;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.sparsa.core.io.BoundedReads;

/**
 * The final metrics of a finished trial, read from its {@code result.json}: every top-level
 * number (the last value of each metric over the run, and its wall time), without the fields
 * that describe the run rather than measure it.
 */
final class TrialResult {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Numbers of {@code result.json} that are settings, not results. */
    private static final Set<String> NOT_METRICS = Set.of("seed", "steps");

    private TrialResult() {
    }

    /**
     * The metrics of {@code resultFile} in file order; a metric a run wrote as null (it was not
     * finite) is NaN.
     *
     * @throws IOException when the file cannot be read or is not a JSON object; the message
     *     names it
     */
    static Map<String, Double> metrics(Path resultFile) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(BoundedReads.readString(resultFile, BoundedReads.JSON_LIMIT));
        } catch (JacksonException e) {
            throw new IOException(resultFile + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IOException(resultFile + ": expected a JSON object");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (NOT_METRICS.contains(field.getKey())) {
                continue;
            }
            if (field.getValue().isNumber()) {
                out.put(field.getKey(), field.getValue().doubleValue());
            } else if (field.getValue().isNull()) {
                out.put(field.getKey(), Double.NaN);
            }
        }
        return out;
    }
}
