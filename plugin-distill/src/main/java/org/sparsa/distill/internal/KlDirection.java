package org.sparsa.distill.internal;

import java.util.Locale;

/**
 * Which KL the {@code logits} mode minimises between the teacher's distribution {@code p} and
 * the student's {@code q}: {@code forward} KL(p || q), which spreads the student over every
 * token the teacher likes (Hinton et al.'s distillation), or {@code reverse} KL(q || p), which
 * lets it settle on the teacher's main mode.
 */
enum KlDirection {
    FORWARD,
    REVERSE;

    /** The direction named {@code text}, or null when it names none. */
    static KlDirection named(String text) {
        for (KlDirection d : values()) {
            if (d.name().toLowerCase(Locale.ROOT).equals(text)) {
                return d;
            }
        }
        return null;
    }
}
