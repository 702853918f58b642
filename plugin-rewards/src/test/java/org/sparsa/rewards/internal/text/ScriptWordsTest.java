package org.sparsa.rewards.internal.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.Character.UnicodeScript;
import org.junit.jupiter.api.Test;

class ScriptWordsTest {

    private static ScriptWords latin(String text) {
        return ScriptWords.count(text, UnicodeScript.LATIN);
    }

    @Test
    void wordsAreOneScriptLetterRuns() {
        assertEquals(new ScriptWords(3, 3), latin("the cat sat"));
        assertEquals(new ScriptWords(2, 1), latin("abcабв"));
        assertEquals(new ScriptWords(3, 3), latin("don't stop"));
        assertEquals(new ScriptWords(2, 2), latin("x2y"));
        assertEquals(new ScriptWords(0, 0), latin("123 + 456 = 579 !?"));
        assertEquals(new ScriptWords(0, 0), latin(""));
    }

    @Test
    void hanKanaAndHiraganaLettersAreWordsOfTheirOwn() {
        assertEquals(new ScriptWords(5, 4), ScriptWords.count("我们 compute 一下", UnicodeScript.HAN));
        assertEquals(new ScriptWords(6, 0), latin("ひらがなカナ"));
        assertEquals(new ScriptWords(1, 0), latin("한국어"));
    }

    @Test
    void codePointsNotChars() {
        // U+20000 and U+20001 are Han outside the BMP; Gothic letters are a script outside it too.
        assertEquals(new ScriptWords(3, 2), ScriptWords.count("𠀀𠀁 𐌰𐌱", UnicodeScript.HAN));
        // A lone surrogate is not a letter: it separates.
        assertEquals(new ScriptWords(2, 2), latin("a\ud800b"));
        assertEquals(new ScriptWords(2, 2), latin("a\udc00\ud800b"));
    }

    @Test
    void combiningMarksContinueAWord() {
        assertEquals(new ScriptWords(1, 1), latin("re\u0301sume\u0301"));
        assertEquals(new ScriptWords(0, 0), latin("\u0301"));
    }

    @Test
    void reasoningIsInsideThinkElseTheUntaggedText() {
        assertEquals("the cat", reasoning("<think>the cat </think>answer"));
        assertEquals("a b", reasoning("x<think>a</think>y<think>b</think>z"));
        assertEquals("a b", reasoning("<think>a</think>x<think>b"));
        assertEquals("a b", reasoning("</think>x<think>a<think>b</think>"));
        assertEquals("unclosed answer", reasoning("<think>unclosed answer"));
        assertEquals("reasoning answer", reasoning("reasoning</think>answer"));
        assertEquals("plain", reasoning("plain"));
        assertEquals("ab cd", reasoning("ab<think>cd"));
    }

    /** The reasoning with white space runs collapsed, since tags leave spaces behind. */
    private static String reasoning(String text) {
        return ReasoningText.of(text).trim().replaceAll("\\s+", " ");
    }
}
