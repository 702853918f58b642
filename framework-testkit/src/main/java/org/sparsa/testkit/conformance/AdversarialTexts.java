package org.sparsa.testkit.conformance;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Hostile completion texts and reference answers for the reward suite: what a policy early in
 * training, or one that learned to game a reward, may write. Each is named for the failure
 * messages.
 */
final class AdversarialTexts {
    /** The length of the "huge" texts: large against any real completion, quick to scan. */
    static final int HUGE = 1 << 18;

    /** The references the huge texts are scored against. */
    static final Set<String> HUGE_TEXT_REFERENCES = Set.of("7", "a very long number",
            "unbalanced");

    private AdversarialTexts() {
    }

    /** Completion texts, by name. */
    static Map<String, String> completions() {
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("empty", "");
        texts.put("one space", " ");
        texts.put("plain answer", "<think>2 + 5 = 7</think> The answer is \\boxed{7}.");
        texts.put("only whitespace and newlines", " \n\t\r\n  \u00a0\u2028\u3000");
        texts.put("huge run of {", "{".repeat(HUGE));
        texts.put("huge run of }", "}".repeat(HUGE));
        texts.put("huge run of \\boxed{", "\\boxed{".repeat(HUGE / 7));
        texts.put("huge nested braces in a box",
                "\\boxed{" + "{".repeat(HUGE / 2) + "}".repeat(HUGE / 2) + "}");
        texts.put("huge number", "9".repeat(HUGE));
        texts.put("huge number in a box", "\\boxed{" + "1234567890".repeat(HUGE / 10) + "}");
        texts.put("huge run of <think>", "<think>".repeat(HUGE / 7));
        texts.put("huge text of one word", "a".repeat(HUGE) + "!");
        texts.put("huge number-like junk", "1e-.5+".repeat(HUGE / 6));
        texts.put("unbalanced braces and boxes", "\\boxed{\\frac{1}{2}}}}{{\\boxed{ \\boxed{}");
        texts.put("unclosed box", "The answer is \\boxed{7");
        texts.put("unbalanced tags", "</think>}}{{<think>\\boxed{{}</think></think><think>");
        texts.put("nested tags", "<think><think><answer><think>7</think></answer></think>"
                + "</think><answer><answer>7</answer>");
        texts.put("NaN and infinities", "\\boxed{NaN} \\boxed{Infinity} \\boxed{-Infinity} "
                + "\\boxed{1e999999} \\boxed{-0.0} \\boxed{0x1p-1074} \\boxed{∞}");
        texts.put("very long numbers", "\\boxed{" + "1".repeat(400) + "." + "0".repeat(400)
                + "1} and 1e-99999999 and " + "9".repeat(1000) + "/" + "3".repeat(1000));
        texts.put("fractions by zero", "\\boxed{\\frac{1}{0}} \\boxed{0/0} \\boxed{\\frac{}{}}");
        StringBuilder control = new StringBuilder();
        for (char c = 0; c < 32; c++) {
            control.append(c);
        }
        texts.put("control characters", control + "\u007f<think>\u0000</think>\\boxed{\u0000}"
                + "\u0007\u001b[31m");
        texts.put("lone surrogates", "\ud800<think>a\ud800b\udc00</think>\\boxed{\udfff}\ud83d");
        texts.put("emoji and other planes", "<think>😀👍🏽👨‍👩‍👧 𠀀𠀁 𐌰𐌱</think>\\boxed{𝟕} 😀");
        texts.put("right-to-left and bidi controls", "<think>\u202eالجواب هو \u2067٧\u2069"
                + " שבע\u202c</think>\\boxed{٧}");
        texts.put("combining marks", "<think>" + "a\u0301\u0308\u0327".repeat(1000)
                + "</think>\\boxed{7\u0301}");
        texts.put("zero-width characters", "<th\u200bink>7</think>\\bo\u200dxed{7\ufeff}");
        texts.put("CJK answer", "<think>二加五等于七</think>答案是\\boxed{七}");
        texts.put("regex and format metacharacters", "\\boxed{$1 \\\\ %s %n (.*)+ [^] \\Q\\E}");
        return texts;
    }

    /** Reference answers, by name; a missing reference is the caller's case. */
    static Map<String, String> references() {
        Map<String, String> references = new LinkedHashMap<>();
        references.put("7", "7");
        references.put("empty", "");
        references.put("a fraction", "\\frac{1}{2}");
        references.put("a negative decimal", "-0.5");
        references.put("an expression", "x^2 + 1");
        references.put("NaN", "NaN");
        references.put("a very long number", "9".repeat(5000));
        references.put("non-Latin", "七 ٧ 😀");
        references.put("unbalanced", "\\boxed{{7}");
        return references;
    }
}
