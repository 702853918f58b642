package org.sparsa.runner.internal.report;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a run's {@code metrics.jsonl}: one JSON object a line. {@link #read} keeps the lines
 * that carry numeric metrics, passing over events ({@code "event": "resume"}) and lines
 * without metrics; {@link #readEvents} keeps the events. An unparsable last line, which is what
 * a process that crashed mid-write leaves, is passed over; an unparsable line anywhere else is
 * an error.
 */
public final class MetricsReader {
    /** The file's name inside a run folder. */
    public static final String FILE_NAME = "metrics.jsonl";

    /** Numeric keys that place a line in the run rather than measure anything. */
    private static final Set<String> POSITION_KEYS = Set.of("step", "stage_step", "time_s");

    // Python's json module writes NaN and Infinity for a diverged loss; such a line is still a
    // line of the run, so it is read rather than refused. Trailing text after the object means
    // the line is damaged, so it is refused.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private MetricsReader() {}

    /**
     * The metric lines of {@code file} in file order; an empty list when the file does not
     * exist, as for a run that failed before its first step.
     *
     * @throws IOException when the file cannot be read, or a line other than the last is not a
     *     JSON object or lacks its stage or step; the message names the file and line number
     */
    public static List<MetricsLine> read(Path file) throws IOException {
        List<MetricsLine> lines = new ArrayList<>();
        readInto(file, lines, null);
        return lines;
    }

    /**
     * The event lines of {@code file} in file order (each with its {@code event} name and a
     * whole {@code step}); an empty list when the file does not exist.
     *
     * @throws IOException as {@link #read} does
     */
    public static List<MetricsEvent> readEvents(Path file) throws IOException {
        List<MetricsEvent> events = new ArrayList<>();
        readInto(file, new ArrayList<>(), events);
        return events;
    }

    private static void readInto(Path file, List<MetricsLine> lines, List<MetricsEvent> events)
            throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        // A reader built on a Charset replaces malformed bytes instead of failing, so a last
        // line cut inside a multi-byte character still reaches the parser and is skipped there.
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            // Each line is parsed only once the next non-blank line is seen, because whether a
            // parse failure is forgivable depends on whether the line is the last one.
            String pending = null;
            int pendingNumber = 0;
            int number = 0;
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                number++;
                if (text.isBlank()) {
                    continue;
                }
                if (pending != null) {
                    parse(file, pendingNumber, pending, false, lines, events);
                }
                pending = text;
                pendingNumber = number;
            }
            if (pending != null) {
                parse(file, pendingNumber, pending, true, lines, events);
            }
        }
    }

    private static void parse(Path file, int number, String text, boolean last,
            List<MetricsLine> into, List<MetricsEvent> events) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JacksonException e) {
            if (last) {
                return;
            }
            throw error(file, number, "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw error(file, number, "not a JSON object");
        }
        if (node.has("event")) {
            JsonNode step = node.get("step");
            if (events != null && step != null && step.canConvertToLong()) {
                Map<String, String> fields = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    if (!field.getKey().equals("event") && !POSITION_KEYS.contains(
                            field.getKey())) {
                        fields.put(field.getKey(), field.getValue().isTextual()
                                ? field.getValue().asText() : field.getValue().toString());
                    }
                }
                events.add(new MetricsEvent(node.get("event").asText(), step.longValue(),
                        fields));
            }
            return;
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (field.getValue().isNumber() && !POSITION_KEYS.contains(field.getKey())) {
                values.put(field.getKey(), field.getValue().doubleValue());
            }
        }
        if (values.isEmpty()) {
            return;
        }
        JsonNode stage = node.get("stage");
        if (stage == null || !stage.isTextual() || stage.asText().isBlank()) {
            throw error(file, number, "metrics without a \"stage\" name");
        }
        JsonNode step = node.get("step");
        if (step == null || !step.isIntegralNumber() || !step.canConvertToLong()
                || step.longValue() < 1) {
            throw error(file, number, "metrics without a \"step\" that is a whole number >= 1");
        }
        JsonNode kind = node.get("kind");
        JsonNode stageStep = node.get("stage_step");
        into.add(new MetricsLine(stage.asText(),
                kind != null && kind.isTextual() ? kind.asText() : "",
                step.longValue(),
                stageStep != null && stageStep.isIntegralNumber() && stageStep.canConvertToLong()
                        ? stageStep.longValue() : -1,
                values));
    }

    private static IOException error(Path file, int number, String reason) {
        return new IOException(file + " line " + number + ": " + reason);
    }
}
