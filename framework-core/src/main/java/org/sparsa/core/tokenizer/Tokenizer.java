package org.sparsa.core.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns text into token ids and back. Ids run from 0 to {@link #vocabSize()} - 1 and include
 * three special ids (beginning, end, padding) that {@link #encode} never produces and
 * {@link #decode} skips. Implementations are immutable and thread-safe.
 */
public interface Tokenizer {

    /** The ids of {@code text}, without special tokens. A {@code null} text reads as empty. */
    int[] encode(String text);

    /**
     * The text of {@code ids}. Special ids are skipped; ids outside the vocabulary, and byte
     * sequences that are not valid UTF-8, become U+FFFD; {@code null} reads as no ids. Never
     * throws on odd input.
     */
    String decode(int[] ids);

    /** The number of ids, special ones included. */
    int vocabSize();

    /** The beginning-of-sequence id. */
    int bosId();

    /** The end-of-sequence id. */
    int eosId();

    /** The padding id. */
    int padId();

    /** Whether {@code id} is one of the special ids. */
    default boolean isSpecial(int id) {
        return id == bosId() || id == eosId() || id == padId();
    }

    /** The JSON form {@link Tokenizers#fromJson(String)} reads back into an equal tokenizer. */
    String toJson();

    /** Writes {@link #toJson()} to {@code file} as UTF-8, replacing what was there. */
    default void save(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }
}
