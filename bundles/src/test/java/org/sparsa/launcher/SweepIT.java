package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.launcher.DistributionScript.Output;

/**
 * A real sweep through the distribution's script: two learning rates of a shortened quickstart,
 * each trial a child JVM started the way {@code bin/sparsa} starts the sweep, then the results
 * aggregated and a rerun that has nothing left to do.
 */
class SweepIT {
    private static final Path DISTRIBUTION = Path.of(System.getProperty("sparsa.distribution",
            "target/sparsa"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoTrialSweepRunsInChildJvmsAndAggregates(@TempDir Path folder) throws Exception {
        Path sweep = folder.resolve("sweep");
        List<String> args = List.of("sweep",
                DISTRIBUTION.resolve("recipes/quickstart.yaml").toString(),
                "stages.0.lr=3e-3,1e-3", "backend=java", "stages.0.steps=12",
                "stages.0.schedule.warmup=2", "stages.0.eval_every=6",
                "stages.0.checkpoint_every=6", "task.config.eval_size=16",
                "--workers", "2", "--out", sweep.toString());
        Output first = script(folder, args);
        assertEquals(0, first.exit(), first::toString);
        for (String trial : List.of("0-lr=0.003", "1-lr=0.001")) {
            Path run = sweep.resolve("trials").resolve(trial);
            JsonNode result = JSON.readTree(run.resolve("result.json").toFile());
            assertEquals("completed", result.get("status").asText(), trial);
            assertEquals(12, result.get("steps").asLong(), trial);
            assertTrue(Files.readString(run.resolve("trial.log")).contains("train 12/12"),
                    trial);
            assertTrue(Files.readString(run.resolve("config.resolved.yaml"))
                    .contains("dir: " + run.toAbsolutePath()), trial);
        }
        String results = Files.readString(sweep.resolve("results.md"));
        // A row per learning rate, its value in the parameter's column; one of them is best.
        assertTrue(results.contains(" | 0.003 | 1/1 |") && results.contains(" | 0.001 | 1/1 |"),
                results);
        assertTrue(results.contains("** (best) |"), results);
        assertTrue(results.contains("- trials finished: 2 of 2"), results);
        assertEquals(3, Files.readAllLines(sweep.resolve("results.csv")).size());
        for (String png : List.of("metric-by-stages.0.lr.png", "curve-loss.png",
                "curve-eval-recall.png")) {
            assertTrue(ImageIO.read(sweep.resolve("plots").resolve(png).toFile()) != null, png);
        }
        assertTrue(first.out().contains("sweep 2/2 done"), first::toString);

        Output again = script(folder, args);
        assertEquals(0, again.exit(), again::toString);
        assertTrue(again.out().contains("2 skipped (finished before), 0 finished now, 0 failed"),
                again::toString);

        Output aggregate = script(folder, List.of("aggregate", sweep.toString()));
        assertEquals(0, aggregate.exit(), aggregate::toString);
        assertTrue(aggregate.out().contains("results: " + sweep.resolve("results.md")),
                aggregate::toString);
    }

    private static Output script(Path workingFolder, List<String> args) throws Exception {
        return DistributionScript.run(DISTRIBUTION, workingFolder, args);
    }
}
