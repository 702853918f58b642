package org.sparsa.runner.internal.scaffold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code sparsa new plugin}'s projects: every kind's sources and tests compile against the API
 * and the testkit; the pom pins what the framework's own build uses, so that a plugin builds
 * offline wherever the framework did; bad input is refused and nothing is overwritten.
 */
class PluginScaffoldTest {
    private static final Path PARENT_POM = Path.of("../pom.xml");

    private static PluginScaffold scaffold(PluginTemplate kind, String id) {
        return new PluginScaffold(kind, id, "org.example.sparsa", "0.1.0-SNAPSHOT",
                Optional.empty(), Optional.empty());
    }

    @ParameterizedTest
    @EnumSource(PluginTemplate.class)
    void everyKindCompilesWithItsTest(PluginTemplate kind, @TempDir Path folder)
            throws IOException {
        PluginScaffold scaffold = scaffold(kind, "my_" + kind.id());
        List<Path> files = scaffold.write(folder.resolve("project"));

        String packagePath = "org/example/sparsa/my_" + kind.id() + "/internal/";
        assertTrue(files.contains(Path.of("src/main/java/" + packagePath
                + scaffold.className() + ".java")), files::toString);
        assertTrue(files.stream().anyMatch(f -> f.startsWith("src/test/java")), files::toString);
        String main = Files.readString(folder.resolve("project/src/main/java/" + packagePath
                + scaffold.className() + ".java"));
        assertTrue(main.contains("@PluginInfo(kind = PluginKind." + kind.name()
                + ", id = \"my_" + kind.id() + "\""), main);
        assertEquals("Bundle-SymbolicName: org.example.sparsa.my_" + kind.id(),
                Files.readAllLines(folder.resolve("project/bnd.bnd")).get(0));

        String messages = JavaSources.compile(folder.resolve("project/src"),
                folder.resolve("classes"));
        assertFalse(messages.contains("warning: [") , messages);
        assertTrue(Files.isRegularFile(folder.resolve("classes/" + packagePath
                + scaffold.className() + ".class")));
    }

    @Test
    void namesFollowTheId() {
        PluginScaffold window = scaffold(PluginTemplate.ATTENTION, "local_window");
        assertEquals("LocalWindowAttention", window.className());
        assertEquals("org.example.sparsa.local_window.internal", window.packageName());
        assertEquals("org.example.sparsa.local_window", window.bundleSymbolicName());
        assertEquals("local-window", window.artifactId());
        assertEquals("ExactReward", scaffold(PluginTemplate.REWARD, "exact_reward").className());
    }

    /** Offline builds find only what the framework's build already fetched. */
    @Test
    void pomPinsTheVersionsOfTheFrameworksBuild(@TempDir Path folder) throws Exception {
        scaffold(PluginTemplate.ATTENTION, "pinned").write(folder);
        Document parent = xml(PARENT_POM);
        Document pom = xml(folder.resolve("pom.xml"));
        Map<String, String> parentProperties = properties(parent);
        Map<String, String> properties = properties(pom);
        assertEquals("0.1.0-SNAPSHOT", properties.get("sparsa.version"));
        assertEquals(text(parent, "version"), properties.get("sparsa.version"),
                "the framework's own version");
        for (String key : List.of("osgi.annotation.version", "osgi.component.version",
                "osgi.function.version", "osgi.promise.version", "slf4j.version",
                "junit.version")) {
            assertEquals(parentProperties.get(key), properties.get(key), key);
        }
        Map<String, String> parentPlugins = pluginVersions(parent, parentProperties);
        Map<String, String> plugins = pluginVersions(pom, properties);
        assertEquals(List.of("maven-clean-plugin", "maven-resources-plugin",
                "maven-compiler-plugin", "maven-surefire-plugin", "bnd-maven-plugin",
                "maven-jar-plugin", "maven-install-plugin"), List.copyOf(plugins.keySet()));
        plugins.forEach((plugin, version) -> assertEquals(parentPlugins.get(plugin), version,
                plugin));
        assertEquals("org.example.sparsa", text(pom, "groupId"));
        assertEquals("pinned", text(pom, "artifactId"));
    }

    @Test
    void chainsTheShippedRepositoryAndCopiesTheWrapper(@TempDir Path folder)
            throws IOException {
        Path repository = Files.createDirectories(folder.resolve("sparsa/repository"));
        Path wrapper = Files.createDirectories(folder.resolve("sparsa/maven-wrapper/.mvn/wrapper"))
                .getParent().getParent();
        Files.writeString(wrapper.resolve("mvnw"), "#!/bin/sh\n");
        Files.writeString(wrapper.resolve(".mvn/wrapper/maven-wrapper.properties"),
                "distributionUrl=x\n");
        PluginScaffold scaffold = new PluginScaffold(PluginTemplate.REWARD, "shipped",
                "org.example", "0.1.0-SNAPSHOT", Optional.of(repository), Optional.of(wrapper));
        Path project = folder.resolve("project");
        List<Path> files = scaffold.write(project);

        assertEquals("-Dmaven.repo.local.tail=" + repository + "\n",
                Files.readString(project.resolve(".mvn/maven.config")));
        assertTrue(files.contains(Path.of("mvnw")), files::toString);
        assertTrue(Files.isExecutable(project.resolve("mvnw")));
        assertEquals("distributionUrl=x\n",
                Files.readString(project.resolve(".mvn/wrapper/maven-wrapper.properties")));
        assertTrue(Files.readString(project.resolve("README.md")).contains("./mvnw verify"));

        Path bare = folder.resolve("bare");
        scaffold(PluginTemplate.REWARD, "bare").write(bare);
        assertFalse(Files.exists(bare.resolve(".mvn/maven.config")));
        assertFalse(Files.exists(bare.resolve("mvnw")));
        assertTrue(Files.readString(bare.resolve("README.md")).contains("mvn verify"));
        assertTrue(Files.readString(bare.resolve("README.md")).contains("./mvnw install"));
    }

    @Test
    void refusesBadInputAndNeverOverwrites(@TempDir Path folder) throws IOException {
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
                () -> PluginTemplate.of("optimizer"));
        assertEquals("unknown plugin kind 'optimizer'; expected one of attention, policy, "
                + "reward, stage, task", kind.getMessage());

        for (String id : List.of("MyPlugin", "1st", "my-plugin", "", "_x")) {
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> scaffold(PluginTemplate.TASK, id));
            assertTrue(bad.getMessage().startsWith("plugin id '" + id + "' must match"),
                    bad.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> scaffold(PluginTemplate.TASK, "new")).getMessage().contains("Java keyword"));
        assertThrows(IllegalArgumentException.class, () -> new PluginScaffold(
                PluginTemplate.TASK, "ok", "Org.Example", "1", Optional.empty(),
                Optional.empty()));

        Path taken = Files.createDirectories(folder.resolve("taken"));
        Files.writeString(taken.resolve("pom.xml"), "mine");
        IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
                () -> scaffold(PluginTemplate.TASK, "ok").write(taken));
        assertTrue(full.getMessage().contains("is not empty"), full.getMessage());
        assertEquals("mine", Files.readString(taken.resolve("pom.xml")));
        try (var entries = Files.list(taken)) {
            assertEquals(1, entries.count());
        }
        Path file = Files.writeString(folder.resolve("file"), "x");
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> scaffold(PluginTemplate.TASK, "ok").write(file)).getMessage()
                .contains("is a file"));

        Path empty = Files.createDirectories(folder.resolve("empty"));
        scaffold(PluginTemplate.TASK, "ok").write(empty);
        assertTrue(Files.isRegularFile(empty.resolve("pom.xml")));
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    /** The text of the project's own {@code name} element (not a parent's or dependency's). */
    private static String text(Document pom, String name) {
        NodeList children = pom.getDocumentElement().getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        throw new AssertionError("no <" + name + "> in the pom");
    }

    private static Map<String, String> properties(Document pom) {
        Map<String, String> out = new LinkedHashMap<>();
        NodeList sections = pom.getElementsByTagName("properties");
        NodeList children = sections.item(0).getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e) {
                out.put(e.getTagName(), e.getTextContent().strip());
            }
        }
        return out;
    }

    /** artifactId to version of every build plugin, properties filled in. */
    private static Map<String, String> pluginVersions(Document pom,
            Map<String, String> properties) {
        Map<String, String> out = new LinkedHashMap<>();
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            NodeList versions = plugin.getElementsByTagName("version");
            if (versions.getLength() == 0) {
                continue;
            }
            String version = versions.item(0).getTextContent().strip();
            if (version.startsWith("${")) {
                version = properties.get(version.substring(2, version.length() - 1));
            }
            out.putIfAbsent(plugin.getElementsByTagName("artifactId").item(0).getTextContent()
                    .strip(), version);
        }
        return out;
    }
}
