package org.sparsa.runner.internal.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-example scores of a grid evaluation folding into a depth-by-length heat map. */
class EvaluationHeatMapTest {
    private static final String METRICS = """
            {"stage":"train","kind":"sft","step":10,"stage_step":10,"loss":2.0}
            {"stage":"train","kind":"sft","step":10,"stage_step":10,"eval/exact_match":0.5}
            """;

    /**
     * An evaluation of lengths {100, 300} by depths {0, 0.5, 1}, two examples a cell, written in
     * a shuffled order as the evaluation writes them (grouped by prompt length, not by cell).
     * Cell (depth d, length l) holds exact matches {1, 1} when l = 100, and at l = 300 {1, 0}
     * at depth 0, {0, 0} at 0.5 and {1, 1} at 1; contains is 1 everywhere.
     */
    private static String gridLines() {
        int[] lengths = {100, 300};
        double[] depths = {0, 0.5, 1};
        int[][][] exact = {{{1, 1}, {1, 0}}, {{1, 1}, {0, 0}}, {{1, 1}, {1, 1}}};
        List<String> lines = new ArrayList<>();
        int index = 0;
        for (int l = 0; l < lengths.length; l++) {
            for (int d = 0; d < depths.length; d++) {
                for (int r = 0; r < 2; r++) {
                    lines.add(String.format(Locale.ROOT, "{\"index\":%d,\"cell\":{\"length\":%d,"
                            + "\"depth\":%s},\"prompt\":\"p\",\"reference\":\"42\","
                            + "\"completion\":\" 4\",\"exact_match\":%d.0,\"contains\":1.0}",
                            index++, lengths[l], depths[d], exact[d][l][r]));
                }
            }
        }
        // The order the evaluation answers in: neither by length nor by depth.
        List<String> shuffled = new ArrayList<>();
        for (int i : new int[] {7, 2, 11, 0, 5, 9, 1, 10, 3, 6, 8, 4}) {
            shuffled.add(lines.get(i));
        }
        return String.join("\n", shuffled) + "\n";
    }

    private static Path evalFile(Path run, String stage, long step) throws IOException {
        Path folder = run.resolve("stages").resolve(stage).resolve("eval");
        Files.createDirectories(folder);
        return folder.resolve(String.format("step-%06d.jsonl", step));
    }

    @Test
    void scoresFoldIntoTheirCellsFromTheLastEvaluation(@TempDir Path run) throws IOException {
        // An earlier evaluation with other scores must not count: the heat map is the final one.
        Files.writeString(evalFile(run, "train", 5), gridLines().replace("\"exact_match\":1.0",
                "\"exact_match\":0.0"));
        Files.writeString(evalFile(run, "train", 10), gridLines());

        List<EvaluationHeatMap> maps = EvaluationHeatMap.of(run, List.of("train"));

        assertEquals(1, maps.size());
        EvaluationHeatMap map = maps.get(0);
        assertEquals("train", map.stage());
        assertEquals(10, map.step());
        assertEquals("exact_match", map.metric(), "exact match is preferred over contains");
        assertEquals(List.of(100, 300), map.lengths());
        assertEquals(List.of(0.0, 0.5, 1.0), map.depths());
        assertArrayEquals(new double[] {1.0, 0.5}, map.scores()[0]);
        assertArrayEquals(new double[] {1.0, 0.0}, map.scores()[1]);
        assertArrayEquals(new double[] {1.0, 1.0}, map.scores()[2]);
        for (int[] row : map.counts()) {
            assertArrayEquals(new int[] {2, 2}, row);
        }
        assertEquals(List.of(
                "| depth \\ length | 100 | 300 |",
                "| ---: | ---: | ---: |",
                "| 0 | 1.00 | 0.50 |",
                "| 0.5 | 1.00 | 0.00 |",
                "| 1 | 1.00 | 1.00 |"), map.markdown().subList(0, 5));
        assertTrue(map.markdown().get(6).startsWith("Mean `exact_match` of the examples of each"
                + " cell (2 a cell) at the evaluation of step 10"), map.markdown().get(6));
    }

    @Test
    void aTaskWithoutExactMatchIsDrawnByItsFirstMetric(@TempDir Path run) throws IOException {
        Files.writeString(evalFile(run, "s", 3), """
                {"index":0,"cell":{"length":50,"depth":0.0},"prompt":"p","recall":0.25}
                {"index":1,"cell":{"length":50,"depth":0.0},"prompt":"p","recall":0.75}
                """);
        EvaluationHeatMap map = EvaluationHeatMap.of(run, List.of()).get(0);
        assertEquals("recall", map.metric());
        assertArrayEquals(new double[] {0.5}, map.scores()[0]);
    }

    @Test
    void theReportDrawsTheHeatMapAndShowsItsTable(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), METRICS);
        Files.writeString(evalFile(run, "train", 10), gridLines());

        List<String> lines = Files.readAllLines(RunReport.write(run, "needle", List.of()));

        int section = lines.indexOf("## Needle heat map: train");
        assertTrue(section > 0, String.join("\n", lines));
        assertEquals("![Needle retrieval (exact_match) by depth and length, stage train step 10]"
                + "(plots/heatmap-train.png)", lines.get(section + 2));
        assertEquals("| 0.5 | 1.00 | 0.00 |", lines.get(section + 7));
        BufferedImage image = ImageIO.read(run.resolve("plots/heatmap-train.png").toFile());
        assertNotNull(image, "a readable PNG");
        assertEquals(800, image.getWidth());
    }

    @Test
    void aStageEvaluatedWithoutAGridHasNoHeatMap(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), METRICS);
        // What an mqar evaluation writes: an index and metrics, no cell.
        Files.writeString(evalFile(run, "train", 10), """
                {"index":0,"prompt":"a=1\\nquery: a\\nanswer:","reference":"1","completion":" 1","recall":1.0,"exact_match":1.0}
                {"index":1,"prompt":"b=2\\nquery: b\\nanswer:","reference":"2","completion":" 3","recall":0.0,"exact_match":0.0}
                """);

        assertEquals(List.of(), EvaluationHeatMap.of(run, List.of("train")));
        String report = Files.readString(RunReport.write(run, "mqar", List.of()));
        assertFalse(report.contains("heat map"), report);
        assertFalse(Files.exists(run.resolve("plots/heatmap-train.png")));
    }

    @Test
    void aHeatMapOfAnEarlierReportThatNoLongerAppliesIsRemoved(@TempDir Path run)
            throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), METRICS);
        Path eval = evalFile(run, "train", 10);
        Files.writeString(eval, gridLines());
        RunReport.write(run, "needle", List.of());
        assertTrue(Files.exists(run.resolve("plots/heatmap-train.png")));

        Files.delete(eval);
        RunReport.write(run, "needle", List.of());
        assertFalse(Files.exists(run.resolve("plots/heatmap-train.png")));
    }

    @Test
    void aDamagedEvaluationLineIsNamed(@TempDir Path run) throws IOException {
        Path eval = evalFile(run, "train", 10);
        Files.writeString(eval, "{\"index\":0,\"cell\":{\"length\":5,\"depth\":0}}\n{oops\n");
        IOException e = assertThrows(IOException.class,
                () -> EvaluationHeatMap.of(run, List.of("train")));
        assertTrue(e.getMessage().contains(eval + " line 2"), e.getMessage());
    }
}
