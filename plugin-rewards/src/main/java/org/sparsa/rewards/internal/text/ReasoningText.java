package org.sparsa.rewards.internal.text;

/**
 * The reasoning of a completion, for the language-consistency reward: the text inside
 * {@code <think>...</think>} when the completion has such a block, else the whole text without
 * its tags.
 *
 * <p>Read with a single forward scan in which {@code <think>} opens and {@code </think>} closes
 * (a stray close while not inside, or a second open while inside, changes nothing). When at least
 * one block closed, the reasoning is every stretch of text that lay inside a block, including an
 * unclosed block at the end; otherwise it is all the text between the tags. A tag always separates
 * words (it becomes a space), so {@code ab<think>cd} is two words, not one.
 */
public final class ReasoningText {
    private ReasoningText() {
    }

    /** The reasoning of {@code text}, tags replaced by spaces. */
    public static String of(String text) {
        StringBuilder inside = new StringBuilder();
        StringBuilder untagged = new StringBuilder(text.length());
        boolean open = false;
        boolean sawBlock = false;
        int stretchStart = 0;
        int i = 0;
        while (i < text.length()) {
            if (text.charAt(i) != '<') {
                i++;
                continue;
            }
            boolean opens = text.startsWith(ThinkTags.OPEN, i);
            if (!opens && !text.startsWith(ThinkTags.CLOSE, i)) {
                i++;
                continue;
            }
            untagged.append(text, stretchStart, i).append(' ');
            if (open) {
                inside.append(text, stretchStart, i).append(' ');
                sawBlock |= !opens;
            }
            open = opens;
            i += opens ? ThinkTags.OPEN.length() : ThinkTags.CLOSE.length();
            stretchStart = i;
        }
        untagged.append(text, stretchStart, text.length());
        if (open) {
            inside.append(text, stretchStart, text.length());
        }
        return sawBlock ? inside.toString() : untagged.toString();
    }
}
