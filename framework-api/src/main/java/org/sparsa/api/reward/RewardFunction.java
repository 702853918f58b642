package org.sparsa.api.reward;

import java.util.ArrayList;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A configured reward, made by a {@link RewardModel}. Scoring never throws on odd text (empty,
 * malformed tags, unbalanced braces, huge or binary strings): such text simply scores low.
 * Implementations are safe to call from several threads.
 */
@ConsumerType
public interface RewardFunction {

    /** Scores one completion. A group-level reward scores it as a group of one. */
    RewardResult score(Completion completion);

    /**
     * Scores the completions of one prompt together. The default scores each alone; group-level
     * rewards (which compare completions, like the length reward) override it.
     *
     * @return one result per completion, in order
     */
    default List<RewardResult> scoreGroup(List<Completion> group) {
        List<RewardResult> out = new ArrayList<>(group.size());
        for (Completion completion : group) {
            out.add(score(completion));
        }
        return out;
    }

    /** Whether a completion's reward depends on the other completions of its group. */
    default boolean groupLevel() {
        return false;
    }
}
