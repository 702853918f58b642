package org.sparsa.core.tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The byte-level tokenizer: ids 0..255 are the UTF-8 bytes of the text, then {@code bos} (256),
 * {@code eos} (257) and {@code pad} (258). It needs no training and reads any text, so it is the
 * default for experiments where the tokenizer should not be a variable.
 */
public final class ByteTokenizer implements Tokenizer {
    /** The JSON {@code type} of this tokenizer. */
    static final String TYPE = "byte";
    private static final int BOS = 256;
    private static final int EOS = 257;
    private static final int PAD = 258;
    private static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private ByteTokenizer() {
    }

    /** The byte tokenizer; it has no state, so there is one. */
    public static ByteTokenizer instance() {
        return INSTANCE;
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        if (ids == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        ByteBuffer run = ByteBuffer.allocate(ids.length);
        for (int id : ids) {
            if (id >= 0 && id < 256) {
                run.put((byte) id);
            } else if (!isSpecial(id)) {
                // An id outside the vocabulary ends the byte run so that it cannot glue the bytes
                // on either side into one character.
                flush(run, out);
                out.append('\uFFFD');
            }
        }
        flush(run, out);
        return out.toString();
    }

    private static void flush(ByteBuffer run, StringBuilder out) {
        run.flip();
        if (run.hasRemaining()) {
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            try {
                out.append(decoder.decode(run));
            } catch (CharacterCodingException e) {
                throw new IllegalStateException("a replacing decoder threw", e);
            }
        }
        run.clear();
    }

    @Override
    public int vocabSize() {
        return 259;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public int padId() {
        return PAD;
    }

    @Override
    public String toJson() {
        return "{\"type\":\"" + TYPE + "\",\"version\":1}";
    }

    @Override
    public String toString() {
        return "ByteTokenizer[259]";
    }
}
