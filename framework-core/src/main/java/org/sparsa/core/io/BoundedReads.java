package org.sparsa.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whole-file reads with a size limit: a file larger than its limit is refused with a
 * {@link FileTooLargeException} naming the file, its size and the limit, before anything is
 * read into memory. The limit is checked while reading too, so a file that grows meanwhile
 * cannot slip past it.
 */
public final class BoundedReads {
    /** Recipes, overrides files and other hand-written configuration. */
    public static final long CONFIG_LIMIT = 1L << 20;
    /** JSON written by the framework: checkpoints' trainer state and model configuration. */
    public static final long JSON_LIMIT = 16L << 20;
    /** Tokenizer files. */
    public static final long TOKENIZER_LIMIT = 64L << 20;
    /** A pointer file such as a checkpoint folder's {@code latest}. */
    public static final long POINTER_LIMIT = 4L << 10;
    /** Task data files (a corpus is held in memory as one string). */
    public static final long DATA_LIMIT = 512L << 20;

    private BoundedReads() {}

    /**
     * The bytes of {@code file}, at most {@code limit} of them.
     *
     * @throws FileTooLargeException when the file holds more than {@code limit} bytes
     * @throws IOException when it cannot be read
     */
    public static byte[] readBytes(Path file, long limit) throws IOException {
        if (limit < 0 || limit > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("read of " + file + ": limit " + limit
                    + " must be between 0 and " + (Integer.MAX_VALUE - 8));
        }
        long size = Files.size(file);
        if (size > limit) {
            throw new FileTooLargeException(file, size, limit);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) limit);
            if (bytes.length == limit && in.read() != -1) {
                throw new FileTooLargeException(file, -1, limit);
            }
            return bytes;
        }
    }

    /**
     * The text of {@code file} decoded as UTF-8, as {@link Files#readString(Path)} does, at
     * most {@code limit} bytes of it.
     *
     * @throws FileTooLargeException when the file holds more than {@code limit} bytes
     * @throws java.nio.charset.MalformedInputException when it is not UTF-8
     * @throws IOException when it cannot be read
     */
    public static String readString(Path file, long limit) throws IOException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(readBytes(file, limit))).toString();
    }

    /**
     * The text of {@code file} decoded as UTF-8, malformed bytes replaced, at most
     * {@code limit} bytes of it.
     *
     * @throws FileTooLargeException when the file holds more than {@code limit} bytes
     * @throws IOException when it cannot be read
     */
    public static String readUtf8(Path file, long limit) throws IOException {
        return new String(readBytes(file, limit), StandardCharsets.UTF_8);
    }
}
