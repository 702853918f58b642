package org.sparsa.core.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that is malformed or cannot be used as asked. The message starts with the
 * file's name, then says what is wrong and what was expected.
 */
public class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A problem with {@code file}; {@code problem} becomes the message after the file name. */
    public SafetensorsException(Path file, String problem) {
        super(nameOf(file) + ": " + problem);
    }

    /** Like {@link #SafetensorsException(Path, String)}, keeping the underlying cause. */
    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(nameOf(file) + ": " + problem, cause);
    }

    private static String nameOf(Path file) {
        Path name = file.getFileName();
        return name == null ? file.toString() : name.toString();
    }
}
