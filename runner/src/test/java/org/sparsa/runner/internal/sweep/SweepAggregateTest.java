package org.sparsa.runner.internal.sweep;

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
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepAggregateTest {
    /** Two arms by two seeds, and a learning rate: NSA and full attention side by side. */
    private static List<Trial> trials() {
        List<Trial> trials = new ArrayList<>();
        for (String arm : List.of("nsa", "full")) {
            for (long seed : List.of(0L, 1L)) {
                int n = trials.size();
                trials.add(new Trial(n, n + "-attention=" + arm + "_seed=" + seed,
                        "attention=" + arm, Map.of("model.attention", arm), seed,
                        List.of("model.attention={\"id\":\"" + arm + "\"}", "seed=" + seed)));
            }
        }
        return trials;
    }

    private static Path sweep(Path dir, String goal) throws IOException {
        List<Trial> trials = trials();
        new SweepManifest("recipes/nsa-mqar.yaml", "nsa-mqar", List.of("stages.0.steps=20"),
                Map.of("method", "grid"), "eval/recall", goal, "sha256:0", trials).write(dir);
        // eval/recall: nsa 0.5 and 0.7, full 0.8 and 0.9; loss the other way round.
        double[] recall = {0.5, 0.7, 0.8, 0.9};
        for (Trial trial : trials) {
            Path folder = dir.resolve("trials").resolve(trial.name());
            Files.createDirectories(folder);
            double r = recall[trial.number()];
            Files.writeString(folder.resolve("metrics.jsonl"), String.format(
                    "{\"stage\":\"train\",\"step\":10,\"loss\":%s}%n"
                    + "{\"stage\":\"train\",\"step\":10,\"eval/recall\":%s}%n"
                    + "{\"stage\":\"train\",\"step\":20,\"loss\":%s,\"eval/recall\":%s}%n",
                    2 - r, r / 2, 1 - r, r));
            Files.writeString(folder.resolve("result.json"), String.format("{\"status\":"
                    + "\"completed\",\"seed\":%d,\"steps\":20,\"wall_s\":2.5,\"loss\":%s,"
                    + "\"eval/recall\":%s,\"stages\":[]}", trial.seed(), 1 - r, r));
        }
        return dir;
    }

    @Test
    void tablesShowMeanAndStdPerConfigurationWithTheBestMarked(@TempDir Path dir)
            throws Exception {
        Path md = SweepAggregate.write(sweep(dir, "max"));
        assertEquals(dir.resolve("results.md"), md);
        String markdown = Files.readString(md);
        assertTrue(markdown.contains("""
                | configuration | model.attention | runs | eval/recall (max) | wall_s | loss |
                | --- | --- | ---: | ---: | ---: | ---: |
                | attention=nsa | nsa | 2/2 | 0.6 ± 0.1414 | 2.5 ± 0 | 0.4 ± 0.1414 |
                | **attention=full** (best) | full | 2/2 | 0.85 ± 0.07071 | 2.5 ± 0 \
                | 0.15 ± 0.07071 |
                """), markdown);
        assertTrue(markdown.contains("- best: **attention=full**"), markdown);
        assertTrue(markdown.contains("- trials finished: 4 of 4"), markdown);

        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertEquals("configuration,model.attention,runs,trials,eval/recall_mean,"
                + "eval/recall_std,wall_s_mean,wall_s_std,loss_mean,loss_std", csv.get(0));
        String[] nsa = csv.get(1).split(",");
        assertEquals("attention=nsa", nsa[0]);
        assertEquals(0.6, Double.parseDouble(nsa[4]), 1e-12);
        assertEquals(Math.sqrt(0.02), Double.parseDouble(nsa[5]), 1e-12);
        assertEquals(3, csv.size());
    }

    @Test
    void theGoalDecidesWhichConfigurationIsBest(@TempDir Path dir) throws Exception {
        String markdown = Files.readString(SweepAggregate.write(sweep(dir, "min")));
        assertTrue(markdown.contains("| **attention=nsa** (best) | nsa |"), markdown);
    }

    @Test
    void drawsTheMetricByParameterAndOverlaidLearningCurves(@TempDir Path dir)
            throws Exception {
        String markdown = Files.readString(SweepAggregate.write(sweep(dir, "max")));
        for (String png : List.of("metric-by-model.attention.png", "curve-loss.png",
                "curve-eval-recall.png")) {
            assertTrue(markdown.contains("(plots/" + png + ")"), markdown);
            BufferedImage image = ImageIO.read(dir.resolve("plots").resolve(png).toFile());
            assertNotNull(image, png);
            assertEquals(SweepPlots.WIDTH, image.getWidth());
            assertEquals(SweepPlots.HEIGHT, image.getHeight());
        }
    }

    @Test
    void unfinishedTrialsAreCountedButAddNoValues(@TempDir Path dir) throws Exception {
        sweep(dir, "max");
        Files.delete(dir.resolve("trials/3-attention=full_seed=1/result.json"));
        String markdown = Files.readString(SweepAggregate.write(dir));
        assertTrue(markdown.contains("| **attention=full** (best) | full | 1/2 | 0.8 | 2.5 |"),
                markdown);
        assertTrue(markdown.contains("- trials finished: 3 of 4"), markdown);
    }

    @Test
    void aFolderWithoutASweepIsRefused(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SweepAggregate.write(dir));
        assertEquals(dir + ": not a sweep folder (it has no sweep.yaml)", e.getMessage());
    }

    @Test
    void statsAreTheMeanAndSampleStandardDeviationOfFiniteValues() {
        Stats s = Stats.of(List.of(1.0, 2.0, 3.0, Double.NaN));
        assertEquals(3, s.n());
        assertEquals(2.0, s.mean(), 1e-12);
        assertEquals(1.0, s.std(), 1e-12);
        assertEquals("2 ± 1", s.text());
        assertEquals("5", Stats.of(List.of(5.0)).text());
        assertEquals("-", Stats.of(List.of()).text());
    }

    @Test
    void trialsEvaluatedOnAGridShowTheirHeatMaps(@TempDir Path dir) throws IOException {
        sweep(dir, "max");
        // The NSA arm's seed-0 trial found the needle at depth 0 only; the full arm's at both
        // depths. Only the NSA trial's report drew its image.
        for (Trial trial : trials()) {
            Path folder = dir.resolve("trials").resolve(trial.name());
            Path eval = folder.resolve("stages/train/eval");
            Files.createDirectories(eval);
            boolean full = trial.name().contains("full");
            Files.writeString(eval.resolve("step-000020.jsonl"), String.format(
                    "{\"index\":1,\"cell\":{\"length\":64,\"depth\":1.0},\"exact_match\":%s}%n"
                    + "{\"index\":0,\"cell\":{\"length\":64,\"depth\":0.0},"
                    + "\"exact_match\":1.0}%n", full ? "1.0" : "0.0"));
        }
        Path nsaTrial = dir.resolve("trials").resolve(trials().get(0).name());
        Files.createDirectories(nsaTrial.resolve("plots"));
        Files.write(nsaTrial.resolve("plots/heatmap-train.png"), new byte[] {1});

        String markdown = Files.readString(SweepAggregate.write(dir));

        String nsa = "## Heat map: attention=nsa (trial 0-attention=nsa_seed=0, stage train)";
        String full = "## Heat map: attention=full (trial 2-attention=full_seed=0, stage train)";
        assertTrue(markdown.contains(nsa + "\n\n![Needle retrieval (exact_match) by depth and"
                + " length, stage train step 20](trials/0-attention=nsa_seed=0/plots/"
                + "heatmap-train.png)\n\n| depth \\ length | 64 |\n| ---: | ---: |\n"
                + "| 0 | 1.00 |\n| 1 | 0.00 |\n"), markdown);
        // No image of its own: the table alone.
        assertTrue(markdown.contains(full + "\n\n| depth \\ length | 64 |\n| ---: | ---: |\n"
                + "| 0 | 1.00 |\n| 1 | 1.00 |\n"), markdown);
        assertEquals(4, markdown.split("## Heat map: ", -1).length - 1, "one per trial");
    }

    @Test
    void aSweepWithoutGridEvaluationsHasNoHeatMaps(@TempDir Path dir) throws IOException {
        String markdown = Files.readString(SweepAggregate.write(sweep(dir, "max")));
        assertFalse(markdown.contains("Heat map"), markdown);
    }
}
