package org.sparsa.distill.internal;

import java.util.Locale;

/**
 * How a {@code distill} stage teaches: {@code logits} trains the student towards the teachers'
 * next-token distributions on the teachers' tasks' documents; {@code sequences} has the teachers
 * write completions of their tasks' prompts, keeps those a reward accepts, and trains the
 * student on them by supervised fine-tuning (DeepSeek-R1's distillation into small models).
 */
enum DistillMode {
    LOGITS,
    SEQUENCES;

    /** The mode named {@code text}, or null when it names none. */
    static DistillMode named(String text) {
        for (DistillMode m : values()) {
            if (m.name().toLowerCase(Locale.ROOT).equals(text)) {
                return m;
            }
        }
        return null;
    }
}
