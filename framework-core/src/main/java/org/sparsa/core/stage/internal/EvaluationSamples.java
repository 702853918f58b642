package org.sparsa.core.stage.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsa.api.task.EvaluationGrid;
import org.sparsa.core.checkpoint.DurableFiles;

/**
 * What the model answered at one evaluation: one JSON line per scored example with its place in
 * the evaluation set ({@code index}), prompt, reference, greedy completion and the task's
 * metrics for it, written atomically to {@code stages/<stage>/eval/step-<N>.jsonl} in the run
 * folder, so that a researcher can read why a metric moved, not only that it did. When the
 * task's evaluation set is a grid ({@link EvaluationGrid}), each line also names its
 * {@code cell}: {@code {"length": …, "depth": …}}, from which the report draws its heat map.
 * Lines go in the order the examples were answered (grouped by prompt length), not in the
 * set's order; {@code index} restores that.
 */
final class EvaluationSamples {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scored example. */
    record Sample(int index, String prompt, String reference, String completion,
            Map<String, Double> metrics) {
    }

    /** The key of a line's place in the evaluation set. */
    static final String INDEX = "index";
    /** The key of a line's grid cell, present when the evaluation set is a grid. */
    static final String CELL = "cell";

    private EvaluationSamples() {
    }

    /** The file the samples of the evaluation at {@code step} of {@code stage} go to. */
    static Path file(Path runFolder, String stage, long step) {
        return runFolder.resolve("stages").resolve(stage).resolve("eval")
                .resolve(String.format("step-%06d.jsonl", step));
    }

    /**
     * Writes {@code samples} to {@code file}, replacing it whole, each with its cell of
     * {@code grid} when there is one.
     */
    static void write(Path file, List<Sample> samples, Optional<EvaluationGrid> grid) {
        StringBuilder out = new StringBuilder();
        for (Sample sample : samples) {
            ObjectNode line = JSON.createObjectNode();
            line.put(INDEX, sample.index());
            // A grid shorter than the set (never, for the built-in tasks) leaves lines uncelled
            // rather than failing the evaluation.
            if (grid.isPresent() && sample.index() < grid.get().size()) {
                ObjectNode cell = line.putObject(CELL);
                cell.put("length", grid.get().lengthAt(sample.index()));
                cell.put("depth", grid.get().depthAt(sample.index()));
            }
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
