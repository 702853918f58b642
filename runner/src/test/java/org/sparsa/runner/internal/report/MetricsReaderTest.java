package org.sparsa.runner.internal.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsReaderTest {
    @Test
    void keepsNumericMetricsAndPassesOverEventsAndPositions(@TempDir Path dir)
            throws IOException {
        Path file = write(dir, """
                {"stage":"a","kind":"pretrain","step":1,"stage_step":1,"time_s":0.2,"loss":2.0,"lr":0.1,"tag":"x","ok":true}

                {"event":"resume","step":1,"from_step":1}
                {"stage":"a","kind":"pretrain","step":2,"stage_step":2,"time_s":0.4}
                {"stage":"a","step":3,"loss":NaN}
                """);

        List<MetricsLine> lines = MetricsReader.read(file);
        assertEquals(List.of(
                new MetricsLine("a", "pretrain", 1, 1, Map.of("loss", 2.0, "lr", 0.1)),
                new MetricsLine("a", "", 3, -1, Map.of("loss", Double.NaN))), lines);
        assertEquals(List.of("loss", "lr"), List.copyOf(lines.get(0).values().keySet()));
    }

    @Test
    void aMissingLogHasNoLines(@TempDir Path dir) throws IOException {
        assertEquals(List.of(), MetricsReader.read(dir.resolve("metrics.jsonl")));
    }

    @Test
    void aLastLineCutInsideACharacterIsSkipped(@TempDir Path dir) throws IOException {
        String whole = "{\"stage\":\"a\",\"step\":1,\"loss\":1.0}\n"
                + "{\"stage\":\"\u00e9\",\"step\":2,\"loss\":0.5}\n";
        byte[] bytes = whole.getBytes(StandardCharsets.UTF_8);
        // Cut after the first of the two bytes of the accented stage name.
        int cut = whole.substring(0, whole.indexOf('\u00e9'))
                .getBytes(StandardCharsets.UTF_8).length + 1;
        Path file = dir.resolve("metrics.jsonl");
        Files.write(file, Arrays.copyOf(bytes, cut));

        assertEquals(List.of(new MetricsLine("a", "", 1, -1, Map.of("loss", 1.0))),
                MetricsReader.read(file));
    }

    @Test
    void damagedLinesElsewhereNameTheirLine(@TempDir Path dir) throws IOException {
        assertFailure(dir, "{\"stage\":\"a\",\"step\":1,\"loss\":1.0}\n{\"stage\n\n"
                + "{\"stage\":\"a\",\"step\":2,\"loss\":1.0}\n", "line 2: not valid JSON");
        assertFailure(dir, "{\"stage\":\"a\",\"step\":1,\"loss\":1.0} trailing\n"
                + "{\"stage\":\"a\",\"step\":2,\"loss\":1.0}\n", "line 1: not valid JSON");
        assertFailure(dir, "\n\n{\"step\":1,\"loss\":1.0}\n",
                "line 3: metrics without a \"stage\" name");
        assertFailure(dir, "{\"stage\":\"a\",\"step\":0,\"loss\":1.0}\n",
                "line 1: metrics without a \"step\" that is a whole number >= 1");
        assertFailure(dir, "{\"stage\":\"a\",\"step\":1.5,\"loss\":1.0}\n",
                "line 1: metrics without a \"step\" that is a whole number >= 1");
        assertFailure(dir, "\"text\"\n", "line 1: not a JSON object");
    }

    private static void assertFailure(Path dir, String text, String reason) throws IOException {
        Path file = write(dir, text);
        IOException e = assertThrows(IOException.class, () -> MetricsReader.read(file));
        assertTrue(e.getMessage().startsWith(file + " " + reason), e.getMessage());
    }

    private static Path write(Path dir, String text) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, text);
        return file;
    }
}
