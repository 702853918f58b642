package org.sparsa.core.stage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.task.EvaluationGrid;

/** The per-example evaluation file: each line's place in the set and, on a grid, its cell. */
class EvaluationSamplesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EvaluationSamples.Sample sample(int index) {
        return new EvaluationSamples.Sample(index, "p" + index, "r", " r",
                Map.of("exact_match", 1.0));
    }

    @Test
    void linesOfAGridEvaluationNameTheirCell(@TempDir Path run) throws Exception {
        // Lengths 100 and 200 by depths 0, 0.5 and 1, two a cell: example 9 is the second of
        // (200, 0.5), example 4 the first of (100, 1).
        EvaluationGrid grid = new EvaluationGrid(List.of(100, 200), List.of(0.0, 0.5, 1.0), 2);
        Path file = EvaluationSamples.file(run, "train", 7);
        EvaluationSamples.write(file, List.of(sample(9), sample(4)), Optional.of(grid));

        List<String> lines = Files.readAllLines(run.resolve("stages/train/eval/step-000007.jsonl"));
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals(9, first.get("index").asInt());
        assertEquals(200, first.get("cell").get("length").asInt());
        assertEquals(0.5, first.get("cell").get("depth").asDouble());
        assertEquals("p9", first.get("prompt").asText());
        assertEquals(1.0, first.get("exact_match").asDouble());
        JsonNode second = JSON.readTree(lines.get(1));
        assertEquals(4, second.get("index").asInt());
        assertEquals(100, second.get("cell").get("length").asInt());
        assertEquals(1.0, second.get("cell").get("depth").asDouble());
    }

    @Test
    void linesOfAnEvaluationWithoutAGridHaveNoCell(@TempDir Path run) throws Exception {
        Path file = EvaluationSamples.file(run, "train", 7);
        EvaluationSamples.write(file, List.of(sample(3)), Optional.empty());

        JsonNode line = JSON.readTree(Files.readAllLines(file).get(0));
        assertEquals(3, line.get("index").asInt());
        assertFalse(line.has("cell"));
    }
}
