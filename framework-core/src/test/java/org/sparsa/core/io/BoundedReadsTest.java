package org.sparsa.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedReadsTest {
    @TempDir
    Path dir;

    @Test
    void aFileUpToTheLimitIsReadAndALargerOneRefusedNamingFileAndLimit() throws Exception {
        Path file = dir.resolve("recipe.yaml");
        Files.write(file, new byte[2048]);
        assertArrayEquals(new byte[2048], BoundedReads.readBytes(file, 2048));
        FileTooLargeException e = assertThrows(FileTooLargeException.class,
                () -> BoundedReads.readBytes(file, 2047));
        assertEquals(file + ": 2048 bytes, more than the 2047 bytes (2047 B) accepted for this "
                + "kind of file", e.getMessage());
        assertEquals(2047, e.limit());
        e = assertThrows(FileTooLargeException.class, () -> BoundedReads.readString(file, 1024));
        assertTrue(e.getMessage().contains("(1 KiB)"), e.getMessage());
    }

    @Test
    void strictTextRefusesMalformedUtf8AndLenientTextReplacesIt() throws Exception {
        Path file = dir.resolve("data.txt");
        Files.write(file, new byte[] {'a', (byte) 0xff, 'b'});
        assertThrows(MalformedInputException.class, () -> BoundedReads.readString(file, 10));
        assertEquals("a\ufffdb", BoundedReads.readUtf8(file, 10));
    }
}
