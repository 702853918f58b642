package org.sparsa.runner.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsWriterTest {

    @Test
    void linesAreWrittenWithWhereTheyStandAndNonFiniteValuesAsNull(@TempDir Path dir)
            throws IOException {
        try (MetricsWriter metrics = new MetricsWriter(dir, 10)) {
            metrics.metrics("warm", "pretrain", 5, 5, Map.of("loss", Double.NaN));
            metrics.event("resume", 5);
        }
        List<String> lines = Files.readAllLines(dir.resolve(MetricsWriter.FILE_NAME));
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).startsWith("{\"stage\":\"warm\",\"kind\":\"pretrain\",\"step\":5,"
                + "\"stage_step\":5,\"time_s\":1"), lines.get(0));
        assertTrue(lines.get(0).endsWith("\"loss\":null}"), lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"event\":\"resume\",\"step\":5,"), lines.get(1));
    }

    @Test
    void resumingKeepsTheLinesUpToTheCheckpointAndDropsACutOne(@TempDir Path dir)
            throws IOException {
        String log = """
                {"stage":"a","kind":"pretrain","step":1,"stage_step":1,"time_s":0.5,"loss":3.0}
                {"stage":"a","kind":"pretrain","step":2,"stage_step":2,"time_s":1.0,"loss":2.0}
                {"stage":"b","kind":"sft","step":3,"stage_step":1,"time_s":1.5,"loss":1.5}
                {"stage":"b","kind":"sft","step":3,"stage_step":1,"time_s":1.6,"eval/recall":0.5}
                {"stage":"b","kind":"sft","step":4,"stage_step":2,"time_s":2.0,"loss":1.0}
                {"stage":"b","kind":"sft","step":5,"stage_st""";
        Path file = dir.resolve(MetricsWriter.FILE_NAME);
        Files.writeString(file, log + "\u00e9".substring(0, 1), StandardCharsets.UTF_8);
        // A crash can cut the last line inside a character, too.
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 1));

        MetricsWriter.Kept kept = MetricsWriter.truncateAfter(dir, 3);
        assertEquals(1.6, kept.seconds());
        assertEquals(Map.of("a", Map.of("loss", 2.0), "b", Map.of("loss", 1.5, "eval/recall",
                0.5)), kept.lastByStage());
        List<String> lines = Files.readAllLines(file);
        assertEquals(4, lines.size());
        assertTrue(lines.get(3).contains("\"eval/recall\":0.5"));
        try (var entries = Files.list(dir)) {
            assertEquals(List.of(file), entries.toList());
        }
    }

    @Test
    void eventsCarryTheirDetailsAndReadersPassOverThem(@TempDir Path dir) throws IOException {
        try (MetricsWriter metrics = new MetricsWriter(dir, 0)) {
            metrics.metrics("a", "pretrain", 1, 1, Map.of("loss", 2.0));
            Map<String, Object> details = new java.util.LinkedHashMap<>();
            details.put("stage", "a");
            details.put("stage_step", 2);
            details.put("loss", "NaN");
            details.put("grad_norm", 7.5);
            details.put("parameters", List.of("lm_head.weight"));
            details.put("parameter_count", 1);
            metrics.event("nonfinite_step", 2, details);
            metrics.metrics("a", "pretrain", 3, 3, Map.of("loss", 1.0));
        }
        List<String> lines = Files.readAllLines(dir.resolve(MetricsWriter.FILE_NAME));
        assertTrue(lines.get(1).startsWith("{\"event\":\"nonfinite_step\",\"step\":2,"
                + "\"time_s\":"), lines.get(1));
        assertTrue(lines.get(1).endsWith(",\"stage\":\"a\",\"stage_step\":2,\"loss\":\"NaN\","
                + "\"grad_norm\":7.5,\"parameters\":[\"lm_head.weight\"],\"parameter_count\":1}"),
                lines.get(1));
        // The report's reader and a resume's truncation see only the metrics lines.
        assertEquals(List.of(1L, 3L), org.sparsa.runner.internal.report.MetricsReader
                .read(dir.resolve(MetricsWriter.FILE_NAME)).stream().map(l -> l.step())
                .toList());
        MetricsWriter.Kept kept = MetricsWriter.truncateAfter(dir, 2);
        assertEquals(Map.of("a", Map.of("loss", 2.0)), kept.lastByStage());
        assertEquals(2, Files.readAllLines(dir.resolve(MetricsWriter.FILE_NAME)).size());
    }
}
