package org.sparsa.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sparsa.core.verify.GoldenCase;

/** Reads a golden case from the test class path (the reader wants a file). */
final class GoldenFiles {

    private GoldenFiles() {
    }

    static GoldenCase read(String name, Path folder) throws IOException {
        Path file = folder.resolve(name);
        try (InputStream in = GoldenFiles.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IOException("no test resource /golden/" + name);
            }
            Files.copy(in, file);
        }
        return GoldenCase.read(file);
    }
}
