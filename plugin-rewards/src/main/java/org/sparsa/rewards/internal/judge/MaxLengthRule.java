package org.sparsa.rewards.internal.judge;

import org.sparsa.api.reward.Judgement;

/**
 * {@code max_length: N}: whether the region, untrimmed, is at most {@code maxCodePoints} code
 * points long (a lone surrogate counts as one).
 *
 * @param maxCodePoints the longest accepted region
 */
record MaxLengthRule(long maxCodePoints) implements RuleCriterion {

    @Override
    public Judgement judge(String region) {
        int length = region.codePointCount(0, region.length());
        boolean holds = length <= maxCodePoints;
        return new Judgement(holds ? 1 : 0, true, "answer has " + length + " code points, limit "
                + maxCodePoints);
    }
}
