package org.sparsa.runner.internal.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
    /** Two stages, each with training lines and one evaluation, and a resume event between. */
    private static final String TWO_STAGES = """
            {"stage":"pretrain","kind":"pretrain","step":1,"stage_step":1,"time_s":0.5,"loss":4.0,"lr":0.001,"grad_norm":2.5}
            {"stage":"pretrain","kind":"pretrain","step":2,"stage_step":2,"time_s":1.0,"loss":3.0,"lr":0.001,"tokens_per_s":1200}
            {"stage":"pretrain","kind":"pretrain","step":2,"stage_step":2,"time_s":1.1,"eval/loss":3.5,"eval/recall":0.25,"eval/exact_match":0.125}
            {"event":"resume","step":2,"from":"checkpoint-2"}
            {"stage":"sft","kind":"finetune","step":3,"stage_step":1,"time_s":1.6,"loss":2.5,"lr":0.0005,"note":"warm"}
            {"stage":"sft","kind":"finetune","step":4,"stage_step":2,"time_s":2.0,"loss":1.23456,"lr":0.00025}
            {"stage":"sft","kind":"finetune","step":4,"stage_step":2,"time_s":2.2,"eval/loss":1.5,"eval/recall":0.75,"eval/exact_match":0.5}
            """;

    @Test
    void writesTheTitleSummaryAndLastValuesOfEachStage(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), TWO_STAGES);
        Path report = RunReport.write(run, "tiny mqar",
                List.of("recipe: tiny", "seed: 7", "result: success"));

        assertEquals(run.resolve("report.md"), report);
        List<String> lines = Files.readAllLines(report);
        assertEquals("# tiny mqar", lines.get(0));
        assertTrue(lines.containsAll(List.of("- recipe: tiny", "- seed: 7", "- result: success")));
        int header = lines.indexOf(
                "| stage | kind | steps | loss | eval/loss | eval/recall | eval/exact_match |");
        assertTrue(header > 0, "table header in:\n" + String.join("\n", lines));
        assertEquals("| --- | --- | ---: | ---: | ---: | ---: | ---: |", lines.get(header + 1));
        assertEquals("| pretrain | pretrain | 2 | 3 | 3.5 | 0.25 | 0.125 |", lines.get(header + 2));
        assertEquals("| sft | finetune | 2 | 1.235 | 1.5 | 0.75 | 0.5 |", lines.get(header + 3));
        // Neither training-only metrics nor the non-numeric "note" get a column.
        assertFalse(lines.get(header).contains("lr"));
        assertFalse(lines.get(header).contains("note"));

        assertTrue(lines.containsAll(List.of("![Training loss](plots/loss.png)",
                "![Learning rate](plots/lr.png)", "![Evaluation metrics](plots/eval.png)",
                "![Evaluation loss](plots/eval-loss.png)")));
        for (String plot : List.of("loss.png", "lr.png", "eval.png", "eval-loss.png")) {
            assertPng(run.resolve("plots").resolve(plot));
        }
        assertEquals(List.of("loss.png", "lr.png", "eval.png", "eval-loss.png"),
                imageLinks(lines), "plots appear in this order");
        assertNoTemporaryFiles(run);
    }

    @Test
    void aRunWithoutEvaluationHasNoEvaluationPlots(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), """
                {"stage":"pretrain","kind":"pretrain","step":1,"stage_step":1,"loss":4.0}
                {"stage":"pretrain","kind":"pretrain","step":2,"stage_step":2,"loss":3.0}
                """);
        List<String> lines = Files.readAllLines(RunReport.write(run, "no eval", List.of()));

        assertEquals(List.of("loss.png"), imageLinks(lines));
        assertTrue(lines.contains("| stage | kind | steps | loss |"));
        assertTrue(lines.contains("| pretrain | pretrain | 2 | 3 |"));
        assertPng(run.resolve("plots/loss.png"));
        try (Stream<Path> plots = Files.list(run.resolve("plots"))) {
            assertEquals(List.of("loss.png"),
                    plots.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void pluginSwapsAndRefusalsAreListedAndTheSwapMarkedOnThePlots(@TempDir Path run)
            throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), """
                {"stage":"pretrain","kind":"pretrain","step":1,"stage_step":1,"loss":4.0}
                {"stage":"pretrain","kind":"pretrain","step":2,"stage_step":2,"loss":3.0}
                {"event":"swap_refused","step":2,"time_s":1.0,"plugin":"nsa","from":"1.0.0","to":"1.1.0","reason":"layer 0: parameter 'g' has shape [8], expected [4]"}
                {"event":"plugin_swap","step":2,"time_s":1.5,"plugin":"nsa","from":"1.0.0","to":"1.2.0","layers":[0,1]}
                {"stage":"pretrain","kind":"pretrain","step":3,"stage_step":3,"loss":2.5}
                """);
        List<String> lines = Files.readAllLines(RunReport.write(run, "swapped", List.of()));

        int section = lines.indexOf("## Plugin swaps");
        assertTrue(section > 0, lines::toString);
        assertEquals("- after step 2: `nsa` 1.0.0 \u2192 1.1.0 refused, the run kept 1.0.0: "
                + "layer 0: parameter 'g' has shape [8], expected [4]", lines.get(section + 2));
        assertEquals("- after step 2: `nsa` 1.0.0 \u2192 1.2.0 swapped in (layers [0,1])",
                lines.get(section + 3));
        assertEquals(List.of("loss.png"), imageLinks(lines));
        assertPng(run.resolve("plots/loss.png"));
        // The loss still reads as one line over the swap: the events are not metrics.
        assertTrue(lines.contains("| pretrain | pretrain | 3 | 2.5 |"), lines::toString);
    }

    @Test
    void aRewriteRemovesPlotsTheNewReportNoLongerDraws(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), TWO_STAGES);
        RunReport.write(run, "first", List.of());
        assertPng(run.resolve("plots/eval.png"));

        Files.writeString(run.resolve("metrics.jsonl"),
                "{\"stage\":\"a\",\"kind\":\"pretrain\",\"step\":1,\"loss\":1.0}\n");
        RunReport.write(run, "second", List.of());
        assertFalse(Files.exists(run.resolve("plots/eval.png")));
        assertFalse(Files.exists(run.resolve("plots/lr.png")));
        assertPng(run.resolve("plots/loss.png"));
    }

    @Test
    void aHalfWrittenLastLineIsSkipped(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), TWO_STAGES
                + "{\"stage\":\"sft\",\"kind\":\"finetune\",\"step\":5,\"stage_step\":3,"
                + "\"loss\":0.0");
        List<String> lines = Files.readAllLines(RunReport.write(run, "crashed", List.of()));

        // The cut line would have made sft's last loss 0 and its step count 3.
        assertTrue(lines.contains("| sft | finetune | 2 | 1.235 | 1.5 | 0.75 | 0.5 |"),
                String.join("\n", lines));
    }

    @Test
    void aDamagedMiddleLineFailsNamingItAndLeavesNoReport(@TempDir Path run) throws IOException {
        List<String> good = TWO_STAGES.lines().toList();
        String damaged = String.join("\n", good.subList(0, 2)) + "\n{\"stage\":\"pretrain\",\"lo\n"
                + String.join("\n", good.subList(2, good.size())) + "\n";
        Files.writeString(run.resolve("metrics.jsonl"), damaged);

        IOException e = assertThrows(IOException.class,
                () -> RunReport.write(run, "damaged", List.of()));
        assertTrue(e.getMessage().contains("metrics.jsonl line 3"), e.getMessage());
        assertFalse(Files.exists(run.resolve("report.md")));
        assertFalse(Files.exists(run.resolve("plots")));
        assertNoTemporaryFiles(run);
    }

    @Test
    void aFailedRewriteKeepsThePreviousReport(@TempDir Path run) throws IOException {
        Files.writeString(run.resolve("metrics.jsonl"), TWO_STAGES);
        RunReport.write(run, "first", List.of());
        String before = Files.readString(run.resolve("report.md"));

        Files.writeString(run.resolve("metrics.jsonl"), "[1, 2]\n" + TWO_STAGES);
        IOException e = assertThrows(IOException.class,
                () -> RunReport.write(run, "second", List.of()));
        assertTrue(e.getMessage().endsWith("metrics.jsonl line 1: not a JSON object"),
                e.getMessage());
        assertEquals(before, Files.readString(run.resolve("report.md")));
    }

    @Test
    void aRunWithoutMetricsStillGetsItsSummary(@TempDir Path run) throws IOException {
        String report = Files.readString(RunReport.write(run, "failed early",
                List.of("result: failed\nat startup")));

        assertEquals("""
                # failed early

                - result: failed at startup

                ## Final metrics

                No metrics were logged (there is no metrics.jsonl).
                """, report);
        assertFalse(Files.exists(run.resolve("plots")));
    }

    private static void assertPng(Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " exists");
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " is an image");
        assertEquals(Plots.WIDTH, image.getWidth());
        assertEquals(Plots.HEIGHT, image.getHeight());
    }

    private static List<String> imageLinks(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("!["))
                .map(l -> l.substring(l.indexOf("(plots/") + 7, l.length() - 1)).toList();
    }

    private static void assertNoTemporaryFiles(Path run) throws IOException {
        try (Stream<Path> files = Files.walk(run)) {
            assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".tmp")).toList());
        }
    }
}
