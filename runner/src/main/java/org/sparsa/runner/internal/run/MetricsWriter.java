package org.sparsa.runner.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * {@code metrics.jsonl}: one JSON object per line, written and flushed as the run goes, so
 * a crashed run keeps every line but possibly a cut last one. A metrics line holds
 * {@code stage}, {@code kind}, the run's {@code step} (counted over all stages), the
 * {@code stage_step}, {@code time_s} since the run started, then the metrics by name; an event
 * line ({@code resume}, {@code plugin_swap}, {@code swap_refused}) holds {@code event},
 * {@code step}, {@code time_s} and what the event concerns, and no {@code stage}.
 */
final class MetricsWriter implements AutoCloseable {
    /** The file's name in the run folder. */
    static final String FILE_NAME = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The numeric keys of a metrics line that say where it stands, not what was measured. */
    private static final Set<String> NOT_METRICS = Set.of("step", "stage_step", "time_s");

    private final Path file;
    private final BufferedWriter out;
    private final long startNanos = System.nanoTime();
    private final double timeOffset;

    /**
     * Opens the log of {@code folder} for appending.
     *
     * @param timeOffset seconds already spent before this process (a resumed run)
     */
    MetricsWriter(Path folder, double timeOffset) throws IOException {
        this.file = folder.resolve(FILE_NAME);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.timeOffset = timeOffset;
    }

    /** Seconds since the run started. */
    double seconds() {
        return timeOffset + (System.nanoTime() - startNanos) / 1e9;
    }

    /** Appends the metrics of {@code stage} at its step {@code stageStep}, run step {@code step}. */
    void metrics(String stage, String kind, long step, long stageStep,
            Map<String, Double> metrics) {
        ObjectNode line = JSON.createObjectNode();
        line.put("stage", stage);
        line.put("kind", kind);
        line.put("step", step);
        line.put("stage_step", stageStep);
        line.put("time_s", Math.round(seconds() * 1000) / 1000.0);
        // NaN and infinities are not JSON: a diverged loss is written as null, not dropped.
        metrics.forEach((name, value) -> {
            if (Double.isFinite(value)) {
                line.put(name, value);
            } else {
                line.putNull(name);
            }
        });
        write(line);
    }

    /** Appends an event such as {@code resume} at run step {@code step}. */
    void event(String event, long step) {
        event(event, step, Map.of());
    }

    /**
     * Appends event {@code event} at run step {@code step} with {@code details}, such as a
     * plugin swap's {@code plugin}, {@code from} and {@code to} versions (strings, numbers,
     * booleans, lists), after {@code event}, {@code step} and {@code time_s}.
     */
    void event(String event, long step, Map<String, ?> details) {
        ObjectNode line = JSON.createObjectNode();
        line.put("event", event);
        line.put("step", step);
        line.put("time_s", Math.round(seconds() * 1000) / 1000.0);
        details.forEach((key, value) -> {
            if (!line.has(key)) {
                line.set(key, JSON.valueToTree(value));
            }
        });
        write(line);
    }

    private void write(ObjectNode line) {
        try {
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            // Disk full or the folder gone: the run stops; checkpoints saved so far stay whole.
            throw new UncheckedIOException("cannot append to " + file + " (" + e + "); the run "
                    + "stops, resume=auto continues from its latest checkpoint", e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /**
     * What a resumed run keeps of its log.
     *
     * @param seconds the {@code time_s} of the last line kept, 0 when none
     * @param lastByStage the last value of each metric of each stage in the lines kept, by
     *     stage name in log order
     */
    record Kept(double seconds, Map<String, Map<String, Double>> lastByStage) {
    }

    /**
     * Keeps only the lines of steps up to {@code step} (and a cut last line not at all), for a
     * run resumed from the checkpoint of that step: what an interrupted run logged after it is
     * logged again. Rewritten atomically.
     */
    static Kept truncateAfter(Path folder, long step) throws IOException {
        Path file = folder.resolve(FILE_NAME);
        Map<String, Map<String, Double>> last = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return new Kept(0, last);
        }
        List<String> kept = new ArrayList<>();
        double time = 0;
        // Decoded leniently: a crash may have cut the last line inside a character.
        for (String line : new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                .split("\n")) {
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException cut) {
                continue;
            }
            if (node == null || node.path("step").asLong(Long.MAX_VALUE) > step) {
                continue;
            }
            kept.add(line);
            time = node.path("time_s").asDouble(time);
            // Events (a skipped step, a swap) may name their stage but carry no metrics.
            if (node.hasNonNull("stage") && !node.has("event")) {
                Map<String, Double> values = last.computeIfAbsent(node.get("stage").asText(),
                        k -> new LinkedHashMap<>());
                node.fields().forEachRemaining(e -> {
                    if (e.getValue().isNumber() && !NOT_METRICS.contains(e.getKey())) {
                        values.put(e.getKey(), e.getValue().asDouble());
                    }
                });
            }
        }
        DurableFiles.replace(file, (String.join("\n", kept) + (kept.isEmpty() ? "" : "\n"))
                .getBytes(StandardCharsets.UTF_8));
        return new Kept(time, last);
    }
}
