package org.sparsa.core.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A character-level tokenizer with one id per Unicode code point seen in a corpus: a character
 * outside the BMP (an emoji, a rare CJK ideograph) is one token, not two surrogates, and a
 * combining mark is a token of its own. Ids 0..3 are {@code pad}, {@code bos}, {@code eos} and
 * {@code unk}; the corpus's characters follow from id 4 in a {@link VocabularyOrder}. Characters
 * the corpus did not hold encode as {@code unk}, which decodes as U+FFFD.
 */
public final class CharTokenizer implements Tokenizer {
    /** The JSON {@code type} of this tokenizer. */
    static final String TYPE = "char";
    private static final int PAD = 0;
    private static final int BOS = 1;
    private static final int EOS = 2;
    private static final int UNK = 3;
    private static final int FIRST = 4;

    private final int[] codePoints;
    private final Map<Integer, Integer> ids;

    private CharTokenizer(int[] codePoints) {
        this.codePoints = codePoints;
        this.ids = new HashMap<>(codePoints.length * 2);
        for (int i = 0; i < codePoints.length; i++) {
            if (ids.putIfAbsent(codePoints[i], FIRST + i) != null) {
                throw new IllegalArgumentException("char tokenizer: code point U+"
                        + Integer.toHexString(codePoints[i]).toUpperCase() + " appears twice");
            }
        }
    }

    /** The tokenizer over the code points of {@code corpus}, numbered in {@code order}. */
    public static CharTokenizer fromCorpus(CharSequence corpus, VocabularyOrder order) {
        Set<Integer> seen = order == VocabularyOrder.SORTED ? new TreeSet<>() : new LinkedHashSet<>();
        corpus.codePoints().forEach(seen::add);
        return new CharTokenizer(seen.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The tokenizer whose characters, from id 4 on, are {@code codePoints} in that order.
     *
     * @throws IllegalArgumentException when a code point repeats or is not a valid code point
     */
    public static CharTokenizer ofCodePoints(int[] codePoints) {
        for (int cp : codePoints) {
            if (!Character.isValidCodePoint(cp)) {
                throw new IllegalArgumentException("char tokenizer: " + cp
                        + " is not a Unicode code point");
            }
        }
        return new CharTokenizer(codePoints.clone());
    }

    @Override
    public int[] encode(String text) {
        return (text == null ? "" : text).codePoints().map(cp -> ids.getOrDefault(cp, UNK))
                .toArray();
    }

    @Override
    public String decode(int[] tokens) {
        if (tokens == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(tokens.length);
        for (int id : tokens) {
            if (id >= FIRST && id - FIRST < codePoints.length) {
                out.appendCodePoint(codePoints[id - FIRST]);
            } else if (!isSpecial(id)) {
                out.append('\uFFFD');
            }
        }
        return out.toString();
    }

    /** The id characters outside the vocabulary encode to. */
    public int unkId() {
        return UNK;
    }

    /** The vocabulary's code points in id order, from id 4 on. */
    public int[] codePoints() {
        return codePoints.clone();
    }

    @Override
    public int vocabSize() {
        return FIRST + codePoints.length;
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

    /**
     * The JSON form. Characters are stored as code point numbers rather than strings so that any
     * code point, a lone surrogate from a damaged corpus included, survives the round trip.
     */
    @Override
    public String toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("type", TYPE);
        root.put("version", 1);
        ObjectNode specials = root.putObject("specials");
        specials.put("pad", PAD);
        specials.put("bos", BOS);
        specials.put("eos", EOS);
        specials.put("unk", UNK);
        ArrayNode list = root.putArray("code_points");
        for (int cp : codePoints) {
            list.add(cp);
        }
        try {
            return mapper.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write a JSON tree of numbers", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CharTokenizer that && Arrays.equals(that.codePoints, codePoints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codePoints);
    }

    @Override
    public String toString() {
        return "CharTokenizer[" + vocabSize() + "]";
    }
}
