package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.launcher.DistributionScript.Output;

/**
 * {@code sparsa new plugin} end to end, for every kind: the script writes the projects; their
 * Maven wrapper builds them offline against the distribution's shipped repository and runs
 * their tests; the bundles are dropped into a running framework, which lists them; a short run
 * trains with the new attention.
 */
class NewPluginIT {
    private static final List<String> KINDS = List.of("attention", "policy", "reward", "stage",
            "task");

    @Test
    void everyKindBuildsPassesItsTestsAndHotDeploys(@TempDir Path folder) throws Exception {
        Path workspace = Files.createDirectories(folder.resolve("workspace"));
        for (String kind : KINDS) {
            Output created = DistributionScript.run(PluginProjects.DISTRIBUTION, folder,
                    List.of("new", "plugin", "--kind", kind, "--id", "scaffolded_" + kind,
                            workspace.resolve(kind).toString()));
            assertEquals(0, created.exit(), created::toString);
            assertTrue(created.out().contains("next: cd " + workspace.resolve(kind)
                    + " && ./mvnw verify"), created::toString);
        }
        Output refused = DistributionScript.run(PluginProjects.DISTRIBUTION, folder,
                List.of("new", "plugin", "--kind", "attention", "--id", "again",
                        workspace.resolve("attention").toString()));
        assertEquals(2, refused.exit(), refused::toString);
        assertTrue(refused.err().contains("is not empty"), refused::toString);

        // One Maven run builds the five projects as modules of an aggregator, with the wrapper
        // and repository settings the projects carry.
        Path attention = workspace.resolve("attention");
        Files.createDirectories(workspace.resolve(".mvn/wrapper"));
        for (String file : List.of("mvnw", ".mvn/maven.config",
                ".mvn/wrapper/maven-wrapper.properties")) {
            Files.copy(attention.resolve(file), workspace.resolve(file));
        }
        Files.writeString(workspace.resolve("pom.xml"), aggregator());
        PluginProjects.maven(workspace, "verify");

        Distribution running = PluginProjects.copyWithoutPlugins(folder.resolve("sparsa"));
        try (EmbeddedFramework framework = EmbeddedFramework.start(running, Map.of())) {
            for (String kind : KINDS) {
                Path project = workspace.resolve(kind);
                PluginProjects.passedTests(project);
                Path jar = PluginProjects.bundle(project, "scaffolded-" + kind, "0.1.0");
                assertEquals("org.example.sparsa.scaffolded_" + kind,
                        PluginProjects.symbolicName(jar));
                PluginProjects.deploy(running, jar, "scaffolded-" + kind + ".jar");
            }
            for (String kind : KINDS) {
                JsonNode entry = PluginProjects.awaitPlugin(framework, kind,
                        "scaffolded_" + kind, "0.1.0");
                assertEquals("org.example.sparsa.scaffolded_" + kind,
                        entry.get("bundle").asText(), entry::toString);
                assertEquals("ACTIVE", entry.get("state").asText(), entry::toString);
            }

            Path run = folder.resolve("run");
            Output trained = PluginProjects.run(framework, "run",
                    running.home().resolve("recipes/quickstart.yaml").toString(),
                    "output.dir=" + run, "backend=java", "model.attention.id=scaffolded_attention",
                    "stages.0.steps=2", "stages.0.batch=2", "stages.0.schedule.warmup=1",
                    "stages.0.eval_every=2", "stages.0.checkpoint_every=2",
                    "task.config.eval_size=4");
            assertEquals(0, trained.exit(), trained::toString);
            JsonNode result = PluginProjects.result(run);
            assertEquals("completed", result.get("status").asText(), result::toString);
            assertEquals(2, result.get("steps").asLong(), result::toString);
            assertTrue(Files.readString(run.resolve("config.resolved.yaml"))
                    .contains("scaffolded_attention"));
        }
    }

    private static String aggregator() {
        StringBuilder modules = new StringBuilder();
        for (String kind : KINDS) {
            modules.append("    <module>").append(kind).append("</module>\n");
        }
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>org.example.sparsa</groupId>
                  <artifactId>scaffolded-plugins</artifactId>
                  <version>0.1.0</version>
                  <packaging>pom</packaging>
                  <modules>
                %s  </modules>
                </project>
                """.formatted(modules);
    }
}
