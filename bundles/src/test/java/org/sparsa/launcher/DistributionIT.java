package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.sparsa.launcher.DistributionScript.Output;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.sparsa.core.safetensors.SafetensorsFile;
import org.sparsa.core.safetensors.SafetensorsWriter;
import org.sparsa.core.safetensors.TensorEntry;

/**
 * Boots the assembled distribution ({@code target/sparsa}) in fresh frameworks and checks what a
 * user relies on: every bundle starts, every component is satisfied, the reward plugins are
 * listed, the plugin folder is live, and the command-line script works.
 */
class DistributionIT {
    private static final Path DISTRIBUTION = Path.of(System.getProperty("sparsa.distribution",
            "target/sparsa"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> REWARD_PLUGINS = Set.of("reward/accuracy", "reward/format",
            "reward/language_consistency", "reward/overlong", "reward/length", "reward/composite",
            "reward/rubric", "reward/arithmetic_steps", "judge/rule");
    /** The plugins of the NSA bundle, shipped in the plugin folder. */
    private static final Set<String> NSA_PLUGINS = Set.of("attention/nsa");
    /** The plugins of the DSA bundle, shipped in the plugin folder. */
    private static final Set<String> DSA_PLUGINS = Set.of("attention/dsa",
            "stage/indexer_warmup", "stage/sparse_cpt");
    /** The policy objectives and the rl stage kind of the GRPO bundle, in the plugin folder. */
    private static final Set<String> GRPO_PLUGINS = Set.of("policy/grpo", "policy/dr_grpo",
            "policy/dapo", "policy/gspo", "policy/v32", "stage/rl");
    /** The stage kind of the distillation bundle, shipped in the plugin folder. */
    private static final Set<String> DISTILL_PLUGINS = Set.of("stage/distill");
    /** The plugins core registers itself: they are there even with an empty plugin folder. */
    private static final Set<String> CORE_PLUGINS = Set.of("attention/full", "task/corpus",
            "task/mqar", "task/passkey", "task/needle", "task/arithmetic", "stage/pretrain",
            "stage/sft", "stage/eval");

    @Test
    void everyBundleIsActiveAndEveryComponentSatisfied() throws Exception {
        try (EmbeddedFramework framework = boot(Distribution.at(DISTRIBUTION))) {
            for (Bundle bundle : framework.context().getBundles()) {
                assertEquals(Bundle.ACTIVE, bundle.getState(),
                        () -> bundle.getSymbolicName() + " is not active");
            }
            Output doctor = run(framework, "doctor", "--json");
            assertEquals(0, doctor.exit(), doctor::toString);
            JsonNode report = JSON.readTree(doctor.out());
            assertTrue(report.get("problems").isEmpty(), () -> report.get("problems").toString());
            Map<String, Integer> componentsPerBundle = new TreeMap<>();
            for (JsonNode component : report.get("components")) {
                String state = component.get("state").asText();
                assertTrue(state.equals("SATISFIED") || state.equals("ACTIVE"),
                        () -> component.toString());
                componentsPerBundle.merge(component.get("bundle").asText(), 1, Integer::sum);
            }
            // One per reward plugin; core registers its plugins and the golden-case ops for FP8,
            // full attention and the Llama model; the NSA bundle its plugin and golden-case op;
            // the DSA bundle its plugin and the golden-case ops of its attention and two losses;
            // the GRPO bundle its objectives and the golden-case ops policy.loss and
            // policy.masked_logprobs; the distillation bundle its stage kind.
            assertEquals(Map.of("org.sparsa.plugin.rewards", REWARD_PLUGINS.size(),
                    "org.sparsa.plugin.nsa", NSA_PLUGINS.size() + 1,
                    "org.sparsa.plugin.dsa", DSA_PLUGINS.size() + 3,
                    "org.sparsa.plugin.grpo", GRPO_PLUGINS.size() + 2,
                    "org.sparsa.plugin.distill", DISTILL_PLUGINS.size(),
                    "org.sparsa.core", CORE_PLUGINS.size() + 3), componentsPerBundle);
        }
    }

    @Test
    void pluginServicesAreListedWithIdsAndVersions() throws Exception {
        try (EmbeddedFramework framework = boot(Distribution.at(DISTRIBUTION))) {
            Bundle rewards = bundle(framework, "org.sparsa.plugin.rewards");
            Bundle nsa = bundle(framework, "org.sparsa.plugin.nsa");
            Bundle dsa = bundle(framework, "org.sparsa.plugin.dsa");
            Bundle grpo = bundle(framework, "org.sparsa.plugin.grpo");
            Bundle distill = bundle(framework, "org.sparsa.plugin.distill");
            Bundle core = bundle(framework, "org.sparsa.core");
            Output plugins = run(framework, "plugins", "--json");
            assertEquals(0, plugins.exit(), plugins::toString);
            Set<String> listed = new HashSet<>();
            for (JsonNode plugin : JSON.readTree(plugins.out())) {
                String name = plugin.get("kind").asText() + "/" + plugin.get("id").asText();
                listed.add(name);
                Bundle from = CORE_PLUGINS.contains(name) ? core
                        : NSA_PLUGINS.contains(name) ? nsa
                        : DSA_PLUGINS.contains(name) ? dsa
                        : GRPO_PLUGINS.contains(name) ? grpo
                        : DISTILL_PLUGINS.contains(name) ? distill : rewards;
                assertEquals(from.getVersion().toString(), plugin.get("version").asText());
                assertEquals(from.getSymbolicName(), plugin.get("bundle").asText());
                assertEquals("ACTIVE", plugin.get("state").asText());
                assertFalse(plugin.get("description").asText().isBlank(), plugin::toString);
            }
            assertEquals(union(union(union(union(union(REWARD_PLUGINS, NSA_PLUGINS),
                    DSA_PLUGINS), GRPO_PLUGINS), DISTILL_PLUGINS), CORE_PLUGINS), listed);

            Output table = run(framework, "plugins");
            assertTrue(table.out().startsWith("KIND"), table::toString);
            assertTrue(table.out().contains("language_consistency"), table::toString);
        }
    }

    @Test
    void pluginFolderIsLive(@TempDir Path home) throws Exception {
        Distribution distribution = copyWithoutPlugins(home);
        try (EmbeddedFramework framework = boot(distribution)) {
            assertEquals(CORE_PLUGINS, listedPlugins(framework));

            Path jar = distribution.plugins().resolve("plugin-rewards.jar");
            Files.copy(shippedRewardsJar(), jar);
            awaitPlugins(framework, listed -> listed.equals(union(REWARD_PLUGINS, CORE_PLUGINS)));

            Files.delete(jar);
            awaitPlugins(framework, listed -> listed.equals(CORE_PLUGINS));
        }
    }

    @Test
    void unresolvableBundleMakesDoctorFailNamingTheRequirement(@TempDir Path home)
            throws Exception {
        Distribution distribution = copyWithoutPlugins(home);
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", "test.needs.missing");
        main.putValue("Import-Package", "org.example.not.there;version=\"[1,2)\"");
        try (JarOutputStream out = new JarOutputStream(
                Files.newOutputStream(distribution.plugins().resolve("broken.jar")), manifest)) {
            out.flush();
        }
        try (EmbeddedFramework framework = boot(distribution)) {
            Output doctor = run(framework, "doctor");
            assertEquals(1, doctor.exit(), doctor::toString);
            assertTrue(doctor.out().contains("test.needs.missing"), doctor::toString);
            assertTrue(doctor.out().contains("org.example.not.there"), doctor::toString);
        }
    }

    @Test
    void commandLineScriptScoresRewardsAndReportsItsVersion() throws Exception {
        Output score = script("reward", "score", "--reward", "accuracy", "--completion",
                "<think>2+2</think> \\boxed{4}", "--reference", "4", "--json");
        assertEquals(0, score.exit(), score::toString);
        assertEquals("{\"value\":1.0,\"components\":{}}", score.out().strip());

        Output composite = script("reward", "score", "--reward", "composite", "--config",
                "@" + DISTRIBUTION.resolve("recipes/rewards/r1-rule.yaml"), "--completion",
                "<think>two plus two</think> \\boxed{5}", "--reference", "4", "--json");
        assertEquals(0, composite.exit(), composite::toString);
        JsonNode result = JSON.readTree(composite.out());
        assertEquals(0.6, result.get("value").asDouble(), 1e-12, composite::toString);
        assertEquals(0.0, result.get("components").get("accuracy").asDouble());
        assertEquals(1.0, result.get("components").get("format").asDouble());

        Output unknown = script("reward", "score", "--reward", "nope", "--completion", "x");
        assertEquals(2, unknown.exit(), unknown::toString);
        assertTrue(unknown.err().contains("unknown reward 'nope'"), unknown::toString);

        Output version = script("--version");
        assertEquals(0, version.exit(), version::toString);
        assertTrue(version.out().startsWith("sparsa 0."), version::toString);
    }

    /** The quickstart recipe, shortened, trained by the command line script end to end. */
    @Test
    void quickstartTrainsThroughTheScript(@TempDir Path folder) throws Exception {
        Path run = folder.resolve("quickstart");
        Output output = script("run", DISTRIBUTION.resolve("recipes/quickstart.yaml").toString(),
                "output.dir=" + run, "backend=java", "stages.0.steps=12",
                "stages.0.schedule.warmup=2", "stages.0.eval_every=6",
                "stages.0.checkpoint_every=6", "task.config.eval_size=16");
        assertEquals(0, output.exit(), output::toString);
        for (String file : List.of("config.resolved.yaml", "metrics.jsonl", "run.log",
                "result.json", "report.md", "plots/loss.png", "plots/eval.png",
                "checkpoints/step-000006/model.safetensors", "checkpoints/latest")) {
            assertTrue(Files.isRegularFile(run.resolve(file)), file + "\n" + output);
        }
        JsonNode result = JSON.readTree(run.resolve("result.json").toFile());
        assertEquals("completed", result.get("status").asText());
        assertEquals(12, result.get("steps").asLong());
        assertTrue(result.has("eval/recall"), result::toString);
        assertTrue(Files.readString(run.resolve("report.md")).contains("plots/loss.png"));
        assertTrue(Files.readString(run.resolve("run.log")).contains("train 12/12"),
                () -> run.resolve("run.log").toString());
        assertTrue(output.err().contains("train 12/12"), output::toString);
    }

    /** The NSA bundle's golden op, found by {@code verify} through the registry. */
    @Test
    void nsaGoldenCasePassesThroughVerify(@TempDir Path folder) throws Exception {
        Path golden = folder.resolve("nsa-small.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/golden/nsa-small.safetensors")) {
            Files.copy(in, golden);
        }
        List<String> backends = "true".equals(System.getenv("CI"))
                ? List.of("java", "opencl") : List.of("java");
        try (EmbeddedFramework framework = boot(Distribution.at(DISTRIBUTION))) {
            for (String backend : backends) {
                Output pass = run(framework, "verify", golden.toString(), "--backend", backend);
                assertEquals(0, pass.exit(), pass::toString);
                assertTrue(pass.out().contains("attention.nsa  backend " + backend),
                        pass::toString);
                assertTrue(pass.out().contains("grad.pev") && pass.out().contains("out.selected"),
                        pass::toString);
            }
        }
    }

    /** The DSA bundle's golden ops (attention and both indexer losses), found by {@code verify}. */
    @Test
    void dsaGoldenCasesPassThroughVerify(@TempDir Path folder) throws Exception {
        List<String> cases = new ArrayList<>();
        for (String name : List.of("dsa-small", "dsa-small-kl-dense", "dsa-small-kl-sparse")) {
            Path golden = folder.resolve(name + ".safetensors");
            try (InputStream in = getClass().getResourceAsStream("/golden/" + name
                    + ".safetensors")) {
                Files.copy(in, golden);
            }
            cases.add(golden.toString());
        }
        List<String> backends = "true".equals(System.getenv("CI"))
                ? List.of("java", "opencl") : List.of("java");
        try (EmbeddedFramework framework = boot(Distribution.at(DISTRIBUTION))) {
            for (String backend : backends) {
                List<String> arguments = new ArrayList<>(List.of("verify"));
                arguments.addAll(cases);
                arguments.addAll(List.of("--backend", backend));
                Output pass = run(framework, arguments.toArray(String[]::new));
                assertEquals(0, pass.exit(), pass::toString);
                for (String op : List.of("attention.dsa", "dsa.kl_dense", "dsa.kl_sparse")) {
                    assertTrue(pass.out().contains(op + "  backend " + backend),
                            pass::toString);
                }
                assertTrue(pass.out().contains("out.topk") && pass.out().contains("grad.ki"),
                        pass::toString);
            }
        }
    }

    /** The GRPO bundle's golden ops (every policy case and Keep Sampling Mask), found by verify. */
    @Test
    void grpoGoldenCasesPassThroughVerify(@TempDir Path folder) throws Exception {
        List<String> cases = new ArrayList<>();
        for (String name : List.of("policy-grpo", "policy-dr-grpo", "policy-dapo", "policy-gspo",
                "policy-v32", "keep-sampling-mask")) {
            Path golden = folder.resolve(name + ".safetensors");
            try (InputStream in = getClass().getResourceAsStream("/golden/" + name
                    + ".safetensors")) {
                Files.copy(in, golden);
            }
            cases.add(golden.toString());
        }
        List<String> backends = "true".equals(System.getenv("CI"))
                ? List.of("java", "opencl") : List.of("java");
        try (EmbeddedFramework framework = boot(Distribution.at(DISTRIBUTION))) {
            for (String backend : backends) {
                List<String> arguments = new ArrayList<>(List.of("verify"));
                arguments.addAll(cases);
                arguments.addAll(List.of("--backend", backend));
                Output pass = run(framework, arguments.toArray(String[]::new));
                assertEquals(0, pass.exit(), pass::toString);
                for (String op : List.of("policy.loss", "policy.masked_logprobs")) {
                    assertTrue(pass.out().contains(op + "  backend " + backend),
                            pass::toString);
                }
                assertTrue(pass.out().contains("out.keep") && pass.out().contains("grad.logp")
                        && pass.out().contains("grad.logits"), pass::toString);
            }
        }
    }

    /**
     * The NSA recipe, shortened, trained inside the framework: under {@code CI=true} on the
     * OpenCL backend, where the NSA bundle's own device kernels run the attention.
     */
    @Test
    void nsaTrainsInsideTheFramework(@TempDir Path folder) throws Exception {
        String backend = "true".equals(System.getenv("CI")) ? "opencl" : "java";
        Path run = folder.resolve("nsa");
        try (EmbeddedFramework framework = boot(Distribution.at(DISTRIBUTION))) {
            Output output = run(framework, "run",
                    DISTRIBUTION.resolve("recipes/nsa-mqar.yaml").toString(),
                    "output.dir=" + run, "backend=" + backend, "stages.0.steps=2",
                    "stages.0.batch=2", "stages.0.schedule.warmup=1", "stages.0.eval_every=2",
                    "stages.0.checkpoint_every=2", "task.config.eval_size=4");
            assertEquals(0, output.exit(), output::toString);
            JsonNode result = JSON.readTree(run.resolve("result.json").toFile());
            assertEquals("completed", result.get("status").asText(), result::toString);
            assertEquals(2, result.get("steps").asLong(), result::toString);
        }
    }

    /**
     * {@code sparsa bench} gets every attention plugin from the registry, NSA and DSA from their
     * bundles in the plugin folder, and writes its report and plot inside the framework.
     */
    @Test
    void benchMeasuresEveryShippedAttentionPlugin(@TempDir Path folder) throws Exception {
        Path out = folder.resolve("bench");
        try (EmbeddedFramework framework = boot(Distribution.at(DISTRIBUTION))) {
            Output output = run(framework, "bench", "attention", "--plugin", "full,nsa,dsa",
                    "--lengths", "32", "--backend", "java", "--warmup", "0", "--repeats", "1",
                    "--json", "--out", out.toString());
            assertEquals(0, output.exit(), output::toString);
            List<String> plugins = new ArrayList<>();
            for (String line : output.out().strip().split("\n")) {
                JsonNode measurement = JSON.readTree(line);
                assertTrue(measurement.get("fwd_bwd_seconds").asDouble() > 0, line);
                plugins.add(measurement.get("plugin").asText());
            }
            assertEquals(List.of("full", "nsa", "dsa"), plugins, output::toString);
            assertEquals(3, JSON.readTree(out.resolve("bench.json").toFile())
                    .get("measurements").size());
            assertTrue(Files.size(out.resolve("bench-attention.png")) > 0);
        }
    }

    @Test
    void verifyRunsGoldenCasesAndFailsOnBadOnes(@TempDir Path folder) throws Exception {
        Path good = folder.resolve("fp8-e4m3.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/golden/fp8-e4m3.safetensors")) {
            Files.copy(in, good);
        }
        Path wrong = folder.resolve("fp8-wrong.safetensors");
        try (SafetensorsFile source = SafetensorsFile.open(good)) {
            SafetensorsWriter writer = new SafetensorsWriter();
            source.metadata().forEach(writer::metadata);
            for (TensorEntry entry : source.entries()) {
                float[] values = source.readFloats(entry.name());
                if (entry.name().equals("out.y")) {
                    values[3] += 1;
                }
                writer.add(entry.name(), entry.shape(), values);
            }
            writer.write(wrong);
        }
        Path truncated = folder.resolve("fp8-truncated.safetensors");
        byte[] bytes = Files.readAllBytes(good);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        try (EmbeddedFramework framework = boot(Distribution.at(DISTRIBUTION))) {
            Output pass = run(framework, "verify", good.toString(), "--backend", "java");
            assertEquals(0, pass.exit(), pass::toString);
            assertTrue(pass.out().contains("quant.fp8_e4m3  backend java"), pass::toString);
            assertTrue(pass.out().contains("out.y") && pass.out().contains("PASS"),
                    pass::toString);
            assertTrue(pass.out().contains("verify: 1 of 1 cases passed"), pass::toString);

            Output fail = run(framework, "verify", good.toString(), wrong.toString(),
                    truncated.toString());
            assertEquals(1, fail.exit(), fail::toString);
            assertTrue(fail.out().contains("FAIL  first out of tolerance at flat index 3"),
                    fail::toString);
            assertTrue(fail.err().contains("error: fp8-truncated.safetensors: "), fail::toString);
            assertTrue(fail.out().contains("verify: 1 of 3 cases passed"), fail::toString);

            Output noOpenCl = run(framework, "verify", good.toString(), "--backend", "opencl");
            assertEquals(1, noOpenCl.exit(), noOpenCl::toString);
            assertTrue(noOpenCl.err().contains("has no opencl implementation"),
                    noOpenCl::toString);
        }
    }

    /** CI installs PoCL: there `doctor` must see a real OpenCL device. */
    @Test
    @EnabledIfEnvironmentVariable(named = "CI", matches = "true")
    void doctorFindsAnOpenClDeviceOnCi() throws Exception {
        Output doctor = script("doctor", "--json");
        assertEquals(0, doctor.exit(), doctor::toString);
        JsonNode report = JSON.readTree(doctor.out());
        assertTrue(report.get("openclDevices").size() >= 1, () -> report.toString());
    }

    private static EmbeddedFramework boot(Distribution distribution) throws Exception {
        return EmbeddedFramework.start(distribution, Map.of());
    }

    private static Distribution copyWithoutPlugins(Path home) throws IOException {
        Path system = home.resolve("bundles/system");
        Files.createDirectories(system);
        Files.createDirectories(home.resolve("bundles/plugins"));
        for (Path jar : Distribution.jars(DISTRIBUTION.resolve("bundles/system"))) {
            Files.copy(jar, system.resolve(jar.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
        return Distribution.at(home);
    }

    private static Path shippedRewardsJar() throws IOException {
        return Distribution.jars(DISTRIBUTION.resolve("bundles/plugins")).stream()
                .filter(jar -> jar.getFileName().toString().startsWith("plugin-rewards"))
                .findFirst().orElseThrow(() -> new AssertionError("no plugin-rewards jar"));
    }

    private static Bundle bundle(EmbeddedFramework framework, String symbolicName) {
        for (Bundle bundle : framework.context().getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }

    private static Set<String> listedPlugins(EmbeddedFramework framework) throws IOException {
        Output plugins = run(framework, "plugins", "--json");
        assertEquals(0, plugins.exit(), plugins::toString);
        Set<String> listed = new TreeSet<>();
        for (JsonNode plugin : JSON.readTree(plugins.out())) {
            listed.add(plugin.get("kind").asText() + "/" + plugin.get("id").asText());
        }
        return listed;
    }

    private static void awaitPlugins(EmbeddedFramework framework, Predicate<Set<String>> wanted)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Set<String> listed = listedPlugins(framework);
        while (!wanted.test(listed)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("plugin folder change not picked up; listed: " + listed);
            }
            Thread.sleep(100);
            listed = listedPlugins(framework);
        }
    }

    private static Output run(EmbeddedFramework framework, String... args) {
        return PluginProjects.run(framework, args);
    }

    private static Output script(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = DISTRIBUTION.resolve("bin/sparsa").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "sparsa did not finish");
        return new Output(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }
}
