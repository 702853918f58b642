package org.sparsa.rewards.internal.text;

import java.lang.Character.UnicodeScript;

/**
 * Word counts by script, as R1's language-consistency reward needs them.
 *
 * <p>A word is a maximal run of letters ({@link Character#isLetter(int)}) of one
 * {@link UnicodeScript}; a change of script starts a new word, so {@code abcабв} is two words.
 * Each Han, Hiragana or Katakana letter is a word of its own, since those scripts do not put
 * spaces between words. Combining marks continue the word they follow (so a decomposed
 * {@code é} does not split a word) and are ignored elsewhere. The scan walks code points, so
 * letters outside the BMP count and a lone surrogate is just a separator.
 *
 * @param words every word
 * @param targetWords the words in the target script
 */
public record ScriptWords(int words, int targetWords) {

    /** Counts the words of {@code text} and those in {@code target}. */
    public static ScriptWords count(CharSequence text, UnicodeScript target) {
        int words = 0;
        int targetWords = 0;
        UnicodeScript current = null;
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            i += Character.charCount(cp);
            if (Character.isLetter(cp)) {
                UnicodeScript script = UnicodeScript.of(cp);
                if (script != current || standsAlone(script)) {
                    words++;
                    if (script == target) {
                        targetWords++;
                    }
                }
                current = standsAlone(script) ? null : script;
            } else if (!(current != null && isMark(cp))) {
                current = null;
            }
        }
        return new ScriptWords(words, targetWords);
    }

    /** The share of words in the target script; 0 when there are no words. */
    public double fraction() {
        return words == 0 ? 0.0 : (double) targetWords / words;
    }

    private static boolean standsAlone(UnicodeScript script) {
        return script == UnicodeScript.HAN || script == UnicodeScript.HIRAGANA
                || script == UnicodeScript.KATAKANA;
    }

    private static boolean isMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }
}
