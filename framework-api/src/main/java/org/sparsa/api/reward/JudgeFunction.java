package org.sparsa.api.reward;

import org.osgi.annotation.versioning.ConsumerType;

/** A configured judge: scores how well a completion meets one rubric item. */
@ConsumerType
public interface JudgeFunction {

    /** Judges {@code completion} against {@code item}; never throws on odd text. */
    Judgement judge(RubricItem item, Completion completion);
}
