package org.sparsa.rewards.internal.text;

import java.util.Optional;

/**
 * The accuracy check of the spec, shared by the accuracy reward and the length reward: take the
 * answer region, take the last boxed answer in it, and compare that with the reference.
 */
public final class AccuracyRule {
    private AccuracyRule() {
    }

    /** Whether {@code text} answers {@code reference} correctly; no reference is never correct. */
    public static boolean isCorrect(String text, Optional<String> reference) {
        if (reference.isEmpty()) {
            return false;
        }
        String region = AnswerRegion.of(text);
        Optional<String> answer = BoxedAnswer.lastIn(region);
        return answer.isPresent() && AnswerEquality.matches(answer.get(), reference.get());
    }
}
