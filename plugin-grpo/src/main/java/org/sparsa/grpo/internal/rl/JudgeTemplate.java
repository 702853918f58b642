package org.sparsa.grpo.internal.rl;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prompt a judge model reads: a text with the placeholders {@code {rubric}} (the rubric
 * item's criterion), {@code {prompt}} (the prompt the completion answers), {@code {completion}}
 * (the text judged) and {@code {scale}} (the highest score). Placeholders are filled in one
 * pass, so a completion that contains {@code {rubric}} is judged as written, never expanded.
 */
final class JudgeTemplate {
    /** Asks for an integer score after a cue; an sft-trained judge answers " N" after it. */
    static final String DEFAULT = "Rate how well the response meets the criterion, with an "
            + "integer from 0 to {scale}.\nCriterion: {rubric}\nPrompt: {prompt}\n"
            + "Response: {completion}\nScore:";

    private static final Set<String> PLACEHOLDERS = Set.of("rubric", "prompt", "completion",
            "scale");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final String text;

    private JudgeTemplate(String text) {
        this.text = text;
    }

    /**
     * The template {@code text}.
     *
     * @throws IllegalArgumentException naming a placeholder that is not one of the four, or
     *     when {@code {completion}} is missing (a judge that never sees the completion cannot
     *     judge it)
     */
    static JudgeTemplate of(String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        boolean completion = false;
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw new IllegalArgumentException("unknown placeholder {" + m.group(1)
                        + "}; expected {rubric}, {prompt}, {completion} or {scale}");
            }
            completion |= m.group(1).equals("completion");
        }
        if (!completion) {
            throw new IllegalArgumentException("the template lacks {completion}, the text to "
                    + "judge");
        }
        return new JudgeTemplate(text);
    }

    /** The template with each placeholder replaced by its value. */
    String fill(String rubric, String prompt, String completion, int scale) {
        Map<String, String> values = Map.of("rubric", rubric, "prompt", prompt,
                "completion", completion, "scale", Integer.toString(scale));
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + completion.length()
                + prompt.length() + rubric.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.get(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }
}
