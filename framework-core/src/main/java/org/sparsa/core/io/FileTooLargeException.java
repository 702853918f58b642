package org.sparsa.core.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file refused because it is larger than what its reader accepts. */
public final class FileTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long limit;

    /**
     * @param file the file refused
     * @param size its size in bytes, or -1 when it grew past the limit while being read
     * @param limit the most bytes accepted
     */
    public FileTooLargeException(Path file, long size, long limit) {
        super(file + ": " + (size < 0 ? "more than" : size + " bytes, more than") + " the "
                + limit + " bytes (" + describe(limit) + ") accepted for this kind of file");
        this.file = file;
        this.limit = limit;
    }

    /** The file refused. */
    public Path file() {
        return file;
    }

    /** The most bytes accepted. */
    public long limit() {
        return limit;
    }

    private static String describe(long bytes) {
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }
}
