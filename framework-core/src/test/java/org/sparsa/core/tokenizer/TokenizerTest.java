package org.sparsa.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Byte and character tokenizers: round trips, odd input, unknown characters, save and load. */
class TokenizerTest {
    private static final List<String> TEXTS = List.of(
            "",
            "plain ASCII, with punctuation!\n\ttabs",
            "emoji \uD83D\uDE00 and a family \uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67",
            "CJK 漢字かなカナ and a non-BMP ideograph \uD840\uDC0B",
            "combining e\u0301 vs \u00E9, Z\u0351\u0334a\u0322lgo",
            "right-to-left שלום مرحبا");

    @Test
    void bytesRoundTripAnyText() {
        ByteTokenizer tokenizer = ByteTokenizer.instance();
        for (String text : TEXTS) {
            int[] ids = tokenizer.encode(text);
            for (int id : ids) {
                assertTrue(id >= 0 && id < 256, "byte id " + id);
            }
            assertEquals(text, tokenizer.decode(ids));
        }
        assertEquals(259, tokenizer.vocabSize());
        assertEquals(256, tokenizer.bosId());
        assertEquals(257, tokenizer.eosId());
        assertEquals(258, tokenizer.padId());
        assertArrayEquals(new int[0], tokenizer.encode(null));
    }

    @Test
    void invalidUtf8DecodesToReplacementCharacters() {
        ByteTokenizer tokenizer = ByteTokenizer.instance();
        // A lone continuation byte, a truncated 3-byte sequence, an overlong encoding.
        assertEquals("a\uFFFDb", tokenizer.decode(new int[] {'a', 0x80, 'b'}));
        assertTrue(tokenizer.decode(new int[] {0xE6, 0xBC}).startsWith("\uFFFD"));
        assertTrue(tokenizer.decode(new int[] {'x', 0xC0, 0xAF}).contains("\uFFFD"));
        // Specials are skipped; ids outside the vocabulary are replaced and split byte runs.
        int[] euro = tokenizer.encode("€");
        assertEquals("€", tokenizer.decode(new int[] {256, euro[0], euro[1], euro[2], 257, 258}));
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD",
                tokenizer.decode(new int[] {euro[0], -1, euro[1], 9999}));
        assertEquals("", tokenizer.decode(new int[0]));
        assertEquals("", tokenizer.decode(null));
    }

    @Test
    void charsAreWholeCodePoints() {
        String corpus = String.join("", TEXTS);
        CharTokenizer tokenizer = CharTokenizer.fromCorpus(corpus, VocabularyOrder.FIRST_SEEN);
        for (String text : TEXTS) {
            int[] ids = tokenizer.encode(text);
            assertEquals(text.codePointCount(0, text.length()), ids.length, text);
            assertEquals(text, tokenizer.decode(ids));
        }
        // The grinning face is one token, not two surrogates.
        assertEquals(1, tokenizer.encode("\uD83D\uDE00").length);
        // A combining mark is its own token.
        assertEquals(2, tokenizer.encode("e\u0301").length);
        assertEquals(4 + corpus.codePoints().distinct().count(), tokenizer.vocabSize());
    }

    @Test
    void unseenCharactersEncodeAsUnk() {
        CharTokenizer tokenizer = CharTokenizer.fromCorpus("abc", VocabularyOrder.FIRST_SEEN);
        int[] ids = tokenizer.encode("abz\uD83D\uDE00");
        assertArrayEquals(new int[] {4, 5, tokenizer.unkId(), tokenizer.unkId()}, ids);
        assertEquals("ab\uFFFD\uFFFD", tokenizer.decode(ids));
        // Specials are skipped, ids outside the vocabulary read as U+FFFD.
        assertEquals("a\uFFFD\uFFFD", tokenizer.decode(new int[] {0, 1, 4, 2, 7, -3}));
        assertEquals("", tokenizer.decode(null));
        assertArrayEquals(new int[0], tokenizer.encode(null));
    }

    @Test
    void vocabularyOrderIsDeterministic() {
        CharTokenizer firstSeen = CharTokenizer.fromCorpus("cab\uD83D\uDE00a", VocabularyOrder.FIRST_SEEN);
        assertArrayEquals(new int[] {'c', 'a', 'b', 0x1F600}, firstSeen.codePoints());
        CharTokenizer sorted = CharTokenizer.fromCorpus("cab\uD83D\uDE00a", VocabularyOrder.SORTED);
        assertArrayEquals(new int[] {'a', 'b', 'c', 0x1F600}, sorted.codePoints());
        assertEquals(sorted, CharTokenizer.fromCorpus("\uD83D\uDE00bca", VocabularyOrder.SORTED));
    }

    @Test
    void saveAndLoadGiveEqualTokenizers(@TempDir Path dir) throws Exception {
        // A lone surrogate in a damaged corpus still survives the trip.
        CharTokenizer chars = CharTokenizer.fromCorpus(String.join("", TEXTS) + "\uD800x",
                VocabularyOrder.FIRST_SEEN);
        Path file = dir.resolve("chars.json");
        chars.save(file);
        Tokenizer loaded = Tokenizers.load(file);
        assertEquals(chars, loaded);
        for (String text : TEXTS) {
            assertArrayEquals(chars.encode(text), loaded.encode(text));
        }
        Path bytes = dir.resolve("bytes.json");
        ByteTokenizer.instance().save(bytes);
        assertSame(ByteTokenizer.instance(), Tokenizers.load(bytes));
        assertEquals(chars, Tokenizers.fromJson(chars.toJson()));
    }

    @Test
    void badJsonIsRejectedSayingWhy(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromJson("{"))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.fromJson("{\"type\":\"bpe\",\"version\":1}"))
                .getMessage().contains("type"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.fromJson("{\"type\":\"char\",\"version\":2}"))
                .getMessage().contains("version"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.fromJson("{\"type\":\"char\",\"version\":1,\"code_points\":[97,97]}"))
                .getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.fromJson("{\"type\":\"char\",\"version\":1,\"code_points\":[\"a\"]}"))
                .getMessage().contains("code_points[0]"));
        assertThrows(IllegalArgumentException.class,
                () -> Tokenizers.fromJson("{\"type\":\"char\",\"version\":1,\"code_points\":[-5]}"));
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "[]");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(file))
                .getMessage().startsWith(file.toString()));
    }
}
