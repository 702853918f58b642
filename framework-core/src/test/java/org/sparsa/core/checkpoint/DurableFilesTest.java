package org.sparsa.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {

    @Test
    void replaceWritesANewFileAndReplacesAnOldOneLeavingNoTemporary(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("result.json");
        DurableFiles.replace(file, "one".getBytes(StandardCharsets.UTF_8));
        assertEquals("one", Files.readString(file));
        // A temporary left by a crash is overwritten, not an obstacle.
        Files.writeString(dir.resolve("result.json.tmp"), "stale");
        DurableFiles.replace(file, "two".getBytes(StandardCharsets.UTF_8));
        assertEquals("two", Files.readString(file));
        try (var entries = Files.list(dir)) {
            assertEquals(List.of(file), entries.toList());
        }
    }

    @Test
    void aFailedReplaceKeepsTheOldFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("report.md");
        byte[] old = "old".getBytes(StandardCharsets.UTF_8);
        DurableFiles.replace(file, old);
        // The temporary's place is taken by a folder that cannot be deleted: writing fails.
        Files.createDirectories(dir.resolve("report.md.tmp/inside"));
        assertThrows(IOException.class, () -> DurableFiles.replace(file, new byte[] {1}));
        assertArrayEquals(old, Files.readAllBytes(file));
    }
}
