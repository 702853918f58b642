package org.sparsa.distill.internal;

import java.util.Arrays;
import org.sparsa.api.task.Example;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * Examples as tokens the way the built-in stages make them (prompt, a space and the reference,
 * end of sequence), so that a student distilled here answers in the format its teachers and the
 * evaluation use.
 */
final class Documents {

    private Documents() {
    }

    /** The prompt, then the answer's tokens ({@link #answer}). */
    static int[] document(Tokenizer tokenizer, Example example) {
        int[] prompt = tokenizer.encode(example.prompt());
        int[] answer = example.reference() == null ? new int[] {tokenizer.eosId()}
                : answer(tokenizer, tokenizer.encode(" " + example.reference()));
        return concat(prompt, answer);
    }

    /** {@code text} followed by the end-of-sequence id. */
    static int[] answer(Tokenizer tokenizer, int[] text) {
        int[] answer = Arrays.copyOf(text, text.length + 1);
        answer[text.length] = tokenizer.eosId();
        return answer;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
