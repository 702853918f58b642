package org.sparsa.core.task.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.task.Example;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskScore;

/** The corpus task: the train/held-out split, window sizes and odd text. */
class CorpusTaskTest {

    @Test
    void trainingWindowsComeFromTheLeadingPartAndEvaluationFromTheTail(@TempDir Path dir)
            throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            text.append((char) ('a' + i % 26));
        }
        Path file = dir.resolve("letters.txt");
        Files.writeString(file, text);
        Task task = new CorpusSource().create(PluginConfig.of(Map.of("path", file.toString(),
                "split", 0.2, "window", 50, "eval_size", 3), "test"));
        assertEquals(3, task.evaluationSet().size());
        assertEquals(text.substring(800, 850), task.evaluationSet().get(0).prompt());
        assertEquals(text.substring(900, 950), task.evaluationSet().get(2).prompt());
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            Example example = task.sample(random);
            assertEquals(50, example.prompt().length());
            int at = text.indexOf(example.prompt());
            assertTrue(at >= 0 && at + 50 <= 800, "window at " + at);
            assertNull(example.reference());
            assertEquals(TaskScore.none(), task.score(example, "anything"));
        }
    }

    @Test
    void windowsNeverSplitASurrogatePairAndBadBytesReadAsReplacement(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("emoji.txt");
        byte[] emoji = "\uD83D\uDE00".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 300; i++) {
            out.write(emoji);
            out.write('x');
        }
        out.write(0xFF);
        Files.write(file, out.toByteArray());
        Task task = new CorpusSource().create(PluginConfig.of(Map.of("path", file.toString(),
                "split", 0.5, "window", 7, "eval_size", 1000), "test"));
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < 300; i++) {
            assertWhole(task.sample(random).prompt());
        }
        task.evaluationSet().forEach(example -> assertWhole(example.prompt()));
        String last = task.evaluationSet().get(task.evaluationSet().size() - 1).prompt();
        assertTrue(last.endsWith("\uFFFD"), last);
    }

    @Test
    void noSplitMeansNoEvaluationSet(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.txt");
        Files.writeString(file, "short text here");
        Task task = new CorpusSource().create(PluginConfig.of(Map.of("path", file.toString(),
                "split", 0, "window", 15), "test"));
        assertTrue(task.evaluationSet().isEmpty());
        assertEquals("short text here", task.sample(new SplittableRandom(0)).prompt());
    }

    private static void assertWhole(String window) {
        assertFalse(window.isEmpty());
        assertFalse(Character.isLowSurrogate(window.charAt(0)), window);
        assertFalse(Character.isHighSurrogate(window.charAt(window.length() - 1)), window);
    }
}
