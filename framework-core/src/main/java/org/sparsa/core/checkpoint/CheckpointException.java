package org.sparsa.core.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint that is incomplete, malformed or does not fit the run loading it. The message
 * starts with the file or folder concerned, then says what is wrong and what was expected.
 */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A problem with {@code file}; {@code problem} follows the file's path in the message. */
    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** Like {@link #CheckpointException(Path, String)}, keeping the underlying cause. */
    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
