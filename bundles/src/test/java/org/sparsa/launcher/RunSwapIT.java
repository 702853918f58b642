package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.launcher.DistributionScript.Output;

/**
 * A plugin jar replaced in {@code bundles/plugins/} while {@code sparsa run} trains: the run
 * refuses a revision that does not resolve and one whose parameters do not fit, keeps training
 * with the revision it has, then takes up a fitting revision at a step boundary and finishes
 * without a restart, every step after the swap computed by the new revision.
 */
class RunSwapIT {
    private static final Path DISTRIBUTION = Path.of(System.getProperty("sparsa.distribution",
            "target/sparsa"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long STEPS = 400;
    /** The model's head dimension, the size of the test plugin's gate. */
    private static final int HEAD_DIM = 8;
    /** How long the test waits for the run to react to one jar. */
    private static final long REACTION_MS = 90_000;

    @Test
    void aReplacedPluginTakesOverAtAStepBoundaryAndBadRevisionsAreRefused(@TempDir Path folder)
            throws Exception {
        Path home = privateDistribution(folder.resolve("sparsa"));
        Path jar = home.resolve("bundles/plugins/swaptest.jar");
        Files.write(jar, SwapAttentionBundles.jar("1.0.0", HEAD_DIM, null));
        // Built before the run starts, so that the run's steps are spent on swapping.
        byte[] unresolvable = SwapAttentionBundles.jar("1.2.0", HEAD_DIM, "org.example.not.there");
        byte[] otherGate = SwapAttentionBundles.jar("1.1.0", 2 * HEAD_DIM, null);
        byte[] fitting = SwapAttentionBundles.jar("2.0.0", HEAD_DIM, null);
        Path run = folder.resolve("run");
        Process process = DistributionScript.start(home, folder, List.of("run",
                recipe(folder).toString(), "output.dir=" + run));
        Path metrics = run.resolve("metrics.jsonl");
        try {
            waitFor(process, metrics, lines -> steps(lines).size() >= 3, "three steps");
            drop(jar, unresolvable);
            waitFor(process, metrics, lines -> events(lines, "swap_refused").size() == 1,
                    "the unresolvable revision refused");
            drop(jar, otherGate);
            waitFor(process, metrics, lines -> events(lines, "swap_refused").size() == 2,
                    "the revision with another gate size refused");
            drop(jar, fitting);
            waitFor(process, metrics, lines -> events(lines, "plugin_swap").size() == 1,
                    "the fitting revision swapped in");
        } catch (AssertionError | Exception e) {
            stop(process);
            throw e;
        }
        Output output = DistributionScript.finish(process, folder);
        // The links into the built distribution go before the temporary folder is deleted.
        Files.delete(home.resolve("lib"));
        Files.delete(home.resolve("bundles/system"));
        assertEquals(0, output.exit(), output::toString);

        List<JsonNode> lines = read(metrics);
        List<JsonNode> refused = events(lines, "swap_refused");
        assertEquals(2, refused.size(), refused::toString);
        assertEquals(1, events(lines, "plugin_swap").size(), lines::toString);
        assertEquals("1.0.0", refused.get(0).get("from").asText(), refused::toString);
        assertEquals("1.2.0", refused.get(0).get("to").asText(), refused::toString);
        assertTrue(refused.get(0).get("reason").asText().contains("did not resolve"),
                refused::toString);
        assertEquals("1.1.0", refused.get(1).get("to").asText(), refused::toString);
        assertEquals("layer 0: parameter 'gate.weight' has shape [16], expected [8]",
                refused.get(1).get("reason").asText());
        JsonNode swap = events(lines, "plugin_swap").get(0);
        assertEquals(SwapAttentionBundles.PLUGIN_ID, swap.get("plugin").asText());
        assertEquals("1.0.0", swap.get("from").asText());
        assertEquals("2.0.0", swap.get("to").asText());
        assertEquals("[0,1]", swap.get("layers").toString());
        long swapStep = swap.get("step").asLong();
        assertTrue(swapStep > refused.get(1).get("step").asLong(), lines::toString);

        // One run, no restart: every step once, in order, and no resume.
        List<JsonNode> steps = steps(lines);
        assertEquals(STEPS, steps.size());
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(i + 1, steps.get(i).get("step").asLong());
        }
        assertTrue(events(lines, "resume").isEmpty());
        // Each step names the revision that computed it: 1.0 up to the swap (also while the
        // refused revisions were installed), 2.0 after it.
        String v1 = "aux/" + SwapAttentionBundles.revisionName("1.0.0");
        String v2 = "aux/" + SwapAttentionBundles.revisionName("2.0.0");
        for (JsonNode step : steps) {
            boolean after = step.get("step").asLong() > swapStep;
            assertEquals(!after, step.has(v1), step::toString);
            assertEquals(after, step.has(v2), step::toString);
        }
        assertTrue(swapStep < STEPS, "the swap came before the run ended");

        JsonNode result = JSON.readTree(run.resolve("result.json").toFile());
        assertEquals("completed", result.get("status").asText());
        assertEquals(STEPS, result.get("steps").asLong());
        String report = Files.readString(run.resolve("report.md"));
        assertTrue(report.contains("- after step " + swapStep + ": `swaptest` 1.0.0 \u2192 2.0.0 "
                + "swapped in (layers [0,1])"), report);
        assertTrue(report.contains("1.0.0 \u2192 1.1.0 refused, the run kept 1.0.0"), report);
        assertTrue(ImageIO.read(run.resolve("plots/loss.png").toFile()) != null);
        String log = Files.readString(run.resolve("run.log"));
        assertTrue(log.contains("attention plugin 'swaptest' swapped from 1.0.0 to 2.0.0 after "
                + "step " + swapStep), log);
        assertTrue(log.contains("refused the new revision 1.1.0"), log);
    }

    /**
     * A distribution of its own whose plugin folder the test may change: the launcher, its
     * libraries and the system bundles of the built one, and an empty {@code bundles/plugins}.
     */
    static Path privateDistribution(Path home) throws IOException {
        Path built = DISTRIBUTION.toAbsolutePath().normalize();
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("bundles/plugins"));
        Path script = home.resolve("bin/sparsa");
        Files.copy(built.resolve("bin/sparsa"), script);
        assertTrue(script.toFile().setExecutable(true));
        Files.createSymbolicLink(home.resolve("lib"), built.resolve("lib"));
        Files.createSymbolicLink(home.resolve("bundles/system"), built.resolve("bundles/system"));
        return home;
    }

    /** A two-layer model on the test plugin, learning a generated text, with no decoding. */
    private static Path recipe(Path folder) throws IOException {
        return TinyCorpusRecipe.write(folder, "swap", SwapAttentionBundles.PLUGIN_ID, """
                  - name: train
                    kind: pretrain
                    steps: %d
                    batch: 2
                    seq_len: 32
                    lr: 1.0e-3
                """.formatted(STEPS));
    }

    /** Replaces the plugin's jar in one step, as copying a finished file over it does. */
    private static void drop(Path jar, byte[] bytes) throws IOException {
        Path staged = jar.getParent().getParent().resolve("staged.jar");
        Files.write(staged, bytes);
        Files.move(staged, jar, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static void waitFor(Process process, Path metrics, Predicate<List<JsonNode>> done,
            String what) throws Exception {
        long deadline = System.currentTimeMillis() + REACTION_MS;
        while (System.currentTimeMillis() < deadline) {
            if (done.test(read(metrics))) {
                return;
            }
            if (!process.isAlive()) {
                fail("the run ended before " + what + ": " + read(metrics));
            }
            Thread.sleep(100);
        }
        fail("no " + what + " within " + REACTION_MS / 1000 + " s: " + read(metrics));
    }

    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
    }

    /** The whole lines of {@code metrics.jsonl} so far (a line being written is left out). */
    private static List<JsonNode> read(Path metrics) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.exists(metrics)) {
            return lines;
        }
        String text = Files.readString(metrics, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        for (String line : text.substring(0, end + 1).split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    private static List<JsonNode> steps(List<JsonNode> lines) {
        return lines.stream().filter(l -> l.has("loss")).toList();
    }

    private static List<JsonNode> events(List<JsonNode> lines, String event) {
        return lines.stream().filter(l -> event.equals(l.path("event").asText(null))).toList();
    }
}
