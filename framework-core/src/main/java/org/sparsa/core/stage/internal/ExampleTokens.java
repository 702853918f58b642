package org.sparsa.core.stage.internal;

import java.util.Arrays;
import org.sparsa.api.task.Example;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * How an example becomes tokens, the same way for training and evaluation: the prompt, then
 * a space and the reference when there is one, then the end-of-sequence id. A model trained on
 * these documents answers a prompt with the reference and stops.
 */
final class ExampleTokens {

    private ExampleTokens() {
    }

    /** The prompt's tokens: what generation starts from. */
    static int[] prompt(Tokenizer tokenizer, Example example) {
        return tokenizer.encode(example.prompt());
    }

    /** The answer's tokens (a space, the reference, end of sequence); empty without reference. */
    static int[] answer(Tokenizer tokenizer, Example example) {
        if (example.reference() == null) {
            return new int[0];
        }
        int[] text = tokenizer.encode(" " + example.reference());
        int[] answer = Arrays.copyOf(text, text.length + 1);
        answer[text.length] = tokenizer.eosId();
        return answer;
    }

    /** The whole document: prompt, answer, and end of sequence also when there is no answer. */
    static int[] document(Tokenizer tokenizer, Example example) {
        int[] prompt = prompt(tokenizer, example);
        int[] answer = answer(tokenizer, example);
        if (answer.length == 0) {
            answer = new int[] {tokenizer.eosId()};
        }
        int[] document = Arrays.copyOf(prompt, prompt.length + answer.length);
        System.arraycopy(answer, 0, document, prompt.length, answer.length);
        return document;
    }
}
