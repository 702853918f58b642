package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.launcher.DistributionScript.Output;

/**
 * The sparse-attention recipes, shortened, trained by {@code bin/sparsa} itself: the plugin
 * bundles' Aparapi kernels are loaded by their bundle class loaders inside Felix, as in a
 * researcher's run, which an in-process framework on the test class path cannot show. Under
 * {@code CI=true} (where PoCL is installed) on the OpenCL backend, so every NSA and DSA device
 * kernel is built and run; elsewhere on the Java backend.
 */
class DeviceKernelsIT {
    private static final Path DISTRIBUTION = Path.of(System.getProperty("sparsa.distribution",
            "target/sparsa"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BACKEND = "true".equals(System.getenv("CI")) ? "opencl" : "java";

    @Test
    void nsaRecipeTrains(@TempDir Path folder) throws Exception {
        Path run = folder.resolve("nsa");
        Output output = script(folder, List.of("run",
                DISTRIBUTION.resolve("recipes/nsa-mqar.yaml").toString(),
                "output.dir=" + run, "backend=" + BACKEND, "stages.0.steps=2",
                "stages.0.batch=2", "stages.0.schedule.warmup=1", "stages.0.eval_every=2",
                "stages.0.checkpoint_every=2", "task.config.eval_size=4"));
        assertCompleted(output, run, 2);
    }

    @Test
    void dsaRecipeTrainsThroughEveryStage(@TempDir Path folder) throws Exception {
        Path run = folder.resolve("dsa");
        List<String> args = new ArrayList<>(List.of("run",
                DISTRIBUTION.resolve("recipes/cpt-dsa.yaml").toString(),
                "output.dir=" + run, "backend=" + BACKEND, "task.config.eval_size=4",
                "stages.0.schedule.warmup=1"));
        for (int stage = 0; stage < 3; stage++) {
            args.addAll(List.of("stages." + stage + ".steps=2", "stages." + stage + ".batch=2",
                    "stages." + stage + ".eval_every=2",
                    "stages." + stage + ".config.eval_examples=4"));
        }
        Output output = script(folder, args);
        assertCompleted(output, run, 6);
        String metrics = Files.readString(run.resolve("metrics.jsonl"));
        assertTrue(metrics.contains("aux/indexer_kl"), metrics);
        assertTrue(metrics.contains("eval/indexer_recall"), metrics);
    }

    private static void assertCompleted(Output output, Path run, long steps) throws Exception {
        assertEquals(0, output.exit(), output::toString);
        JsonNode result = JSON.readTree(run.resolve("result.json").toFile());
        assertEquals("completed", result.get("status").asText(), result::toString);
        assertEquals(steps, result.get("steps").asLong(), result::toString);
        assertTrue(Files.readString(run.resolve("config.resolved.yaml"))
                .contains("backend: " + BACKEND), output::toString);
    }

    private static Output script(Path workingFolder, List<String> args) throws Exception {
        return DistributionScript.run(DISTRIBUTION, workingFolder, args);
    }
}
