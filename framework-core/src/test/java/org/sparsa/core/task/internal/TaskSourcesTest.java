package org.sparsa.core.task.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.ConfigKey;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.plugin.PluginProperties;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What every built-in task promises: a descriptor publishing its keys, errors naming the key,
 * and determinism of both training draws and the evaluation set.
 */
class TaskSourcesTest {
    private static final String ORIGIN = "recipe.yaml:3";

    private static Map<String, TaskSource> sources() {
        Map<String, TaskSource> out = new HashMap<>();
        out.put("mqar", new MqarSource());
        out.put("passkey", new PasskeySource());
        out.put("needle", new NeedleSource());
        out.put("arithmetic", new ArithmeticSource());
        out.put("corpus", new CorpusSource());
        return out;
    }

    private static Map<String, Object> smallConfig(String id, Path corpus) {
        return switch (id) {
            case "mqar" -> Map.of("pairs", 6, "queries", 3, "eval_size", 20, "seed", 7);
            case "passkey" -> Map.of("length", 600, "eval_size", 10, "seed", 7);
            case "needle" -> Map.of("length", 500, "eval_lengths", List.of(300, 800),
                    "eval_repeats", 2, "seed", 7);
            case "arithmetic" -> Map.of("digits", 3, "terms", 3, "eval_size", 30, "seed", 7);
            case "corpus" -> Map.of("path", corpus.toString(), "window", 40, "split", 0.25);
            default -> throw new IllegalArgumentException(id);
        };
    }

    private static Path corpus(Path dir) throws Exception {
        Path file = dir.resolve("corpus.txt");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            text.append("Line ").append(i).append(": the quick brown fox \uD83E\uDD8A jumps. ");
        }
        Files.writeString(file, text);
        return file;
    }

    @Test
    void everyDescriptorPublishesItsKindIdAndKeys() throws Exception {
        for (Map.Entry<String, TaskSource> entry : sources().entrySet()) {
            String className = entry.getValue().getClass().getName();
            Document xml;
            try (InputStream in = getClass().getResourceAsStream("/OSGI-INF/" + className
                    + ".xml")) {
                assertNotNull(in, "no DS descriptor for " + className);
                xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
            }
            Map<String, List<String>> properties = properties(xml);
            assertEquals(List.of("TASK"), properties.get(PluginProperties.KIND));
            assertEquals(List.of(entry.getKey()), properties.get(PluginProperties.ID));
            assertFalse(properties.get(PluginProperties.DESCRIPTION).get(0).isBlank());
            assertEquals(PluginKind.TASK.serviceType(), ((Element) xml
                    .getElementsByTagName("provide").item(0)).getAttribute("interface"));
            List<ConfigKey> keys = properties.get(PluginProperties.CONFIG).stream()
                    .map(ConfigKey::parse).toList();
            assertFalse(keys.isEmpty());
            for (ConfigKey key : keys) {
                assertFalse(key.description().isEmpty(), className + " " + key.name());
            }
        }
    }

    @Test
    void unknownKeysAreRejectedNamingThem(@TempDir Path dir) throws Exception {
        Path corpus = corpus(dir);
        for (Map.Entry<String, TaskSource> entry : sources().entrySet()) {
            Map<String, Object> values = new HashMap<>(smallConfig(entry.getKey(), corpus));
            values.put("colour", "red");
            ConfigException e = assertThrows(ConfigException.class,
                    () -> entry.getValue().create(PluginConfig.of(values, ORIGIN)));
            assertEquals("colour", e.key(), entry.getKey());
            assertTrue(e.getMessage().startsWith(ORIGIN), e.getMessage());
        }
    }

    @Test
    void badValuesAreRejectedNamingTheKey(@TempDir Path dir) throws Exception {
        Path corpus = corpus(dir);
        List<Object[]> cases = List.of(
                new Object[] {"mqar", "pairs", 0},
                new Object[] {"mqar", "pairs", "many"},
                new Object[] {"mqar", "queries", 9},
                new Object[] {"mqar", "key_alphabet", "aab"},
                new Object[] {"mqar", "key_alphabet", "a b"},
                new Object[] {"mqar", "value_alphabet", "1=2"},
                new Object[] {"mqar", "value_alphabet", ""},
                new Object[] {"mqar", "key_length", 0},
                new Object[] {"mqar", "layout", "zoology"},
                new Object[] {"mqar", "eval_size", -1},
                new Object[] {"mqar", "seed", "x"},
                new Object[] {"passkey", "length", 20},
                new Object[] {"passkey", "depth", 1.5},
                new Object[] {"passkey", "depth", "deep"},
                new Object[] {"passkey", "digits", 0},
                new Object[] {"passkey", "digits", 19},
                new Object[] {"needle", "depths", List.of(0.5, 2)},
                new Object[] {"needle", "depths", List.of()},
                new Object[] {"needle", "depths", "half"},
                new Object[] {"needle", "eval_lengths", List.of(600, "long")},
                new Object[] {"needle", "eval_lengths", List.of(5)},
                new Object[] {"needle", "needle", " "},
                new Object[] {"needle", "length", 10},
                new Object[] {"needle", "eval_repeats", -2},
                new Object[] {"arithmetic", "digits", 19},
                new Object[] {"arithmetic", "terms", 1},
                new Object[] {"arithmetic", "operations", List.of("+", "/")},
                new Object[] {"arithmetic", "operations", "^"},
                new Object[] {"arithmetic", "operations", List.of()},
                new Object[] {"corpus", "split", 1.0},
                new Object[] {"corpus", "split", -0.1},
                new Object[] {"corpus", "window", 0},
                new Object[] {"corpus", "window", 1_000_000},
                new Object[] {"corpus", "path", dir.resolve("missing.txt").toString()},
                new Object[] {"corpus", "path", List.of("a")});
        for (Object[] c : cases) {
            String id = (String) c[0];
            String key = (String) c[1];
            Map<String, Object> values = new HashMap<>(smallConfig(id, corpus));
            values.put(key, c[2]);
            ConfigException e = assertThrows(ConfigException.class,
                    () -> sources().get(id).create(PluginConfig.of(values, ORIGIN)),
                    id + " " + key + "=" + c[2]);
            assertTrue(e.key().startsWith(key), id + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("expected"), e.getMessage());
        }
        // The corpus path is required; the needle's answer cannot use a value the needle lacks.
        assertEquals("path", assertThrows(ConfigException.class,
                () -> new CorpusSource().create(PluginConfig.empty())).key());
        assertEquals("answer", assertThrows(ConfigException.class,
                () -> new NeedleSource().create(PluginConfig.of(Map.of("needle", "The sky is red.",
                        "answer", "{value}"), ORIGIN))).key());
    }

    @Test
    void defaultsAreValid(@TempDir Path dir) throws Exception {
        for (Map.Entry<String, TaskSource> entry : sources().entrySet()) {
            PluginConfig config = entry.getKey().equals("corpus")
                    ? PluginConfig.of(Map.of("path", corpus(dir).toString(), "window", 64), ORIGIN)
                    : PluginConfig.empty();
            Task task = entry.getValue().create(config);
            assertFalse(task.evaluationSet().isEmpty(), entry.getKey());
            assertNotNull(task.sample(new SplittableRandom(1)).prompt());
        }
    }

    @Test
    void sameConfigAndSeedGiveTheSameExamples(@TempDir Path dir) throws Exception {
        Path corpus = corpus(dir);
        for (Map.Entry<String, TaskSource> entry : sources().entrySet()) {
            PluginConfig config = PluginConfig.of(smallConfig(entry.getKey(), corpus), ORIGIN);
            Task a = entry.getValue().create(config);
            Task b = sources().get(entry.getKey()).create(config);
            assertEquals(a.evaluationSet(), b.evaluationSet(), entry.getKey());
            SplittableRandom ra = new SplittableRandom(42);
            SplittableRandom rb = new SplittableRandom(42);
            List<Example> drawn = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Example x = a.sample(ra);
                assertEquals(x, b.sample(rb), entry.getKey() + " draw " + i);
                drawn.add(x);
            }
            // Draws vary, and (generated tasks) avoid the evaluation prompts.
            assertTrue(new HashSet<>(drawn).size() > 1, entry.getKey());
            Set<String> held = new HashSet<>();
            a.evaluationSet().forEach(x -> held.add(x.prompt()));
            if (!entry.getKey().equals("corpus")) {
                drawn.forEach(x -> assertFalse(held.contains(x.prompt()), entry.getKey()));
            }
        }
    }

    @Test
    void theSeedChangesTheEvaluationSet() {
        for (String id : List.of("mqar", "passkey", "needle", "arithmetic")) {
            Map<String, Object> values = new HashMap<>(smallConfig(id, null));
            Task a = sources().get(id).create(PluginConfig.of(values, ORIGIN));
            values.put("seed", 8);
            Task b = sources().get(id).create(PluginConfig.of(values, ORIGIN));
            assertNotEquals(a.evaluationSet(), b.evaluationSet(), id);
        }
    }

    private static Map<String, List<String>> properties(Document xml) {
        Map<String, List<String>> out = new HashMap<>();
        NodeList nodes = xml.getElementsByTagName("property");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element element = (Element) nodes.item(i);
            String value = element.hasAttribute("value") ? element.getAttribute("value")
                    : element.getTextContent();
            List<String> values = new ArrayList<>();
            for (String line : value.split("\n")) {
                if (!line.isBlank()) {
                    values.add(line.strip());
                }
            }
            out.put(element.getAttribute("name"), values);
        }
        return out;
    }
}
