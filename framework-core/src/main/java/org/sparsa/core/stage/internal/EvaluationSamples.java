package org.sparsa.core.stage.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * What the model answered at one evaluation: one JSON line per scored example with its prompt,
 * reference, greedy completion and the task's metrics for it, written atomically to
 * {@code stages/<stage>/eval/step-<N>.jsonl} in the run folder, so that a researcher can read
 * why a metric moved, not only that it did.
 */
final class EvaluationSamples {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scored example. */
    record Sample(String prompt, String reference, String completion,
            Map<String, Double> metrics) {
    }

    private EvaluationSamples() {
    }

    /** The file the samples of the evaluation at {@code step} of {@code stage} go to. */
    static Path file(Path runFolder, String stage, long step) {
        return runFolder.resolve("stages").resolve(stage).resolve("eval")
                .resolve(String.format("step-%06d.jsonl", step));
    }

    /** Writes {@code samples} to {@code file}, replacing it whole. */
    static void write(Path file, List<Sample> samples) {
        StringBuilder out = new StringBuilder();
        for (Sample sample : samples) {
            ObjectNode line = JSON.createObjectNode();
            line.put("prompt", sample.prompt());
            line.put("reference", sample.reference());
            line.put("completion", sample.completion());
            sample.metrics().forEach(line::put);
            out.append(line).append('\n');
        }
        try {
            java.nio.file.Files.createDirectories(file.getParent());
            DurableFiles.replace(file, out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the evaluation samples " + file, e);
        }
    }
}
