package org.sparsa.rewards.internal.text;

import java.util.Optional;

/**
 * The accuracy check of the spec, shared by the accuracy reward and the length reward: take the
 * answer region, take the last boxed answer in it, and compare that with the reference (with the
 * reference's own last boxed answer when it holds one: a worked solution as reference).
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
        // A formatted reference (a worked solution) is compared by its own final answer.
        String expected = reference.get();
        if (expected.contains("\\boxed{")) {
            Optional<String> boxed = BoxedAnswer.lastIn(AnswerRegion.of(expected));
            if (boxed.isEmpty()) {
                return false;
            }
            expected = boxed.get();
        }
        return answer.isPresent() && AnswerEquality.matches(answer.get(), expected);
    }
}
