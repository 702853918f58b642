package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.sparsa.launcher.DistributionScript.Output;
import org.w3c.dom.Element;

/**
 * What the plugin-author tests share: building a project written by {@code sparsa new plugin}
 * with its Maven wrapper, offline, reading its test reports and bundle, and deploying bundles
 * into a framework that is running.
 */
final class PluginProjects {
    static final Path DISTRIBUTION = Path.of(System.getProperty("sparsa.distribution",
            "target/sparsa"));
    /** Where this build found its third-party artifacts; the plugin builds look there, offline. */
    static final Path LOCAL_REPOSITORY = Path.of(System.getProperty(
            "sparsa.test.localRepository",
            Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
    private static final long BUILD_MINUTES = 15;
    private static final ObjectMapper JSON = new ObjectMapper();

    private PluginProjects() {
    }

    /**
     * Runs {@code ./mvnw -o -B args} in {@code project} and fails, with the end of Maven's log,
     * unless it succeeds. The project's own {@code .mvn/maven.config} chains the distribution's
     * repository (the API, core, testkit) behind this build's local repository.
     */
    static void maven(Path project, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(project.resolve("mvnw").toString(), "-o",
                "-B", "-Dmaven.repo.local=" + LOCAL_REPOSITORY));
        command.addAll(List.of(args));
        Path log = project.resolve("maven.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        process.getOutputStream().close();
        boolean ended = process.waitFor(BUILD_MINUTES, TimeUnit.MINUTES);
        if (!ended) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
        List<String> lines = Files.readAllLines(log);
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 150),
                lines.size()));
        assertTrue(ended, () -> "maven did not finish in " + BUILD_MINUTES + " min\n" + tail);
        assertEquals(0, process.exitValue(), () -> String.join(" ", command) + " failed\n"
                + tail);
    }

    /**
     * The tests the project's last build ran and passed, from its surefire reports; fails when
     * any failed or was in error, or none passed. Skipped ones are allowed: the conformance
     * suites skip their OpenCL comparison where there is no device, except under {@code CI=true}.
     */
    static int passedTests(Path project) throws Exception {
        Path reports = project.resolve("target/surefire-reports");
        assertTrue(Files.isDirectory(reports), "no test reports in " + project);
        int tests = 0;
        try (Stream<Path> files = Files.list(reports)) {
            for (Path report : files.filter(f -> f.getFileName().toString().startsWith("TEST-"))
                    .sorted().toList()) {
                Element suite = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                        .parse(report.toFile()).getDocumentElement();
                for (String bad : List.of("failures", "errors")) {
                    assertEquals("0", suite.getAttribute(bad), bad + " in " + report);
                }
                tests += Integer.parseInt(suite.getAttribute("tests"))
                        - Integer.parseInt(suite.getAttribute("skipped"));
            }
        }
        assertTrue(tests > 0, "no test passed in " + project);
        return tests;
    }

    /** The project's bundle, {@code target/ARTIFACT-VERSION.jar}. */
    static Path bundle(Path project, String artifactId, String version) {
        Path jar = project.resolve("target/" + artifactId + "-" + version + ".jar");
        assertTrue(Files.isRegularFile(jar), "no bundle " + jar);
        return jar;
    }

    /** A bundle's {@code Bundle-SymbolicName} header. */
    static String symbolicName(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
        }
    }

    /** A copy of the distribution's system bundles and recipes with an empty plugin folder. */
    static Distribution copyWithoutPlugins(Path home) throws IOException {
        Path system = Files.createDirectories(home.resolve("bundles/system"));
        Files.createDirectories(home.resolve("bundles/plugins"));
        for (Path jar : Distribution.jars(DISTRIBUTION.resolve("bundles/system"))) {
            Files.copy(jar, system.resolve(jar.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.createDirectories(home.resolve("recipes"));
        Files.copy(DISTRIBUTION.resolve("recipes/quickstart.yaml"),
                home.resolve("recipes/quickstart.yaml"));
        return Distribution.at(home);
    }

    /**
     * Drops {@code jar} into the running framework's plugin folder under {@code name} (replacing
     * the file there, as a researcher deploys a new version), the way FileInstall expects: a
     * complete file appears at once.
     */
    static void deploy(Distribution distribution, Path jar, String name) throws IOException {
        Path partial = distribution.home().resolve(name + ".part");
        Files.copy(jar, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, distribution.plugins().resolve(name),
                StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Waits until {@code sparsa plugins --json} in the running framework lists {@code kind/id}
     * at {@code version}, and returns its entry.
     */
    static JsonNode awaitPlugin(EmbeddedFramework framework, String kind, String id,
            String version) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Output last;
        do {
            last = run(framework, "plugins", "--json");
            assertEquals(0, last.exit(), last::toString);
            for (JsonNode entry : JSON.readTree(last.out())) {
                if (entry.get("kind").asText().equals(kind) && entry.get("id").asText().equals(id)
                        && entry.get("version").asText().equals(version)) {
                    return entry;
                }
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(kind + "/" + id + " " + version + " never appeared\n" + last);
    }

    /** Runs one {@code sparsa} command line inside the running framework. */
    static Output run(EmbeddedFramework framework, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = framework.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Output(exit, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    /** The result.json of a finished run. */
    static JsonNode result(Path run) throws IOException {
        return JSON.readTree(run.resolve("result.json").toFile());
    }
}
