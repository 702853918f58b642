package org.sparsa.core.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.sparsa.core.io.BoundedReads;

/** Reads tokenizers back from the JSON their {@link Tokenizer#toJson()} wrote. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer {@code json} describes.
     *
     * @throws IllegalArgumentException saying what is wrong when the text is not a tokenizer's
     *     JSON: not JSON, an unknown {@code type} or {@code version}, or a bad vocabulary
     */
    public static Tokenizer fromJson(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tokenizer JSON: not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("tokenizer JSON: expected an object");
        }
        String type = root.path("type").asText("");
        int version = root.path("version").asInt(-1);
        if (version != 1) {
            throw new IllegalArgumentException("tokenizer JSON: version: expected 1, found "
                    + root.path("version"));
        }
        switch (type) {
            case ByteTokenizer.TYPE:
                return ByteTokenizer.instance();
            case CharTokenizer.TYPE:
                JsonNode list = root.path("code_points");
                if (!list.isArray()) {
                    throw new IllegalArgumentException(
                            "tokenizer JSON: code_points: expected an array of code points");
                }
                int[] codePoints = new int[list.size()];
                for (int i = 0; i < codePoints.length; i++) {
                    JsonNode item = list.get(i);
                    if (!item.isInt()) {
                        throw new IllegalArgumentException("tokenizer JSON: code_points[" + i
                                + "]: expected an integer code point, found " + item);
                    }
                    codePoints[i] = item.intValue();
                }
                return CharTokenizer.ofCodePoints(codePoints);
            default:
                throw new IllegalArgumentException("tokenizer JSON: type: expected 'byte' or "
                        + "'char', found '" + type + "'");
        }
    }

    /**
     * The tokenizer saved in {@code file}.
     *
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the file when its content is not a tokenizer
     */
    public static Tokenizer load(Path file) throws IOException {
        String json = BoundedReads.readString(file, BoundedReads.TOKENIZER_LIMIT);
        try {
            return fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
